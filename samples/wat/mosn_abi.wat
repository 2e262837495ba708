;; mosn_abi.wat: a noop filter whose only version marker is MOSN's private
;; proxy_abi_mosn_version_0_2_0. That marker is not a Proxy-Wasm ABI version,
;; so a host following proxy-wasm-cpp-host rejects the module.
(module
  (memory (export "memory") 1)

  ;; Bump allocator: the host calls `malloc` to place data it returns to us.
  ;; Memory is never freed; that is fine for a sample.
  (global $heap_top (mut i32) (i32.const 4096))
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local $end i32)
    (local.set $ptr (global.get $heap_top))
    ;; end = align8(ptr + size); fail on 32-bit overflow.
    (local.set $end
      (i32.and (i32.add (i32.add (local.get $ptr) (local.get $size)) (i32.const 7))
               (i32.const -8)))
    (if (i32.lt_u (local.get $end) (local.get $ptr))
      (then (return (i32.const 0))))
    ;; Grow memory when the block does not fit in the current pages.
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq
              (memory.grow
                (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                         (memory.size)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap_top (local.get $end))
    (local.get $ptr))

  (func $proxy_abi_mosn_version_0_2_0 (export "proxy_abi_mosn_version_0_2_0"))

  (func $proxy_on_context_create (export "proxy_on_context_create")
    (param $context_id i32) (param $parent_id i32))

  (func $proxy_on_vm_start (export "proxy_on_vm_start")
    (param $root_id i32) (param $vm_config_size i32) (result i32)
    (i32.const 1))

  (func $proxy_on_configure (export "proxy_on_configure")
    (param $root_id i32) (param $plugin_config_size i32) (result i32)
    (i32.const 1))

  (func $proxy_on_done (export "proxy_on_done") (param $context_id i32) (result i32)
    (i32.const 1))

  (func $proxy_on_request_headers (export "proxy_on_request_headers")
    (param $context_id i32) (param $num_headers i32) (param $end_of_stream i32) (result i32)
    (i32.const 0))

  (func $proxy_on_response_headers (export "proxy_on_response_headers")
    (param $context_id i32) (param $num_headers i32) (param $end_of_stream i32) (result i32)
    (i32.const 0))
)
