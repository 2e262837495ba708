;; start_section.wat: a module with a wasm start function. $init runs during
;; instantiation and copies "started" to address 256. proxy_on_request_headers
;; adds x-start with the 7 bytes at that address, so the header reads
;; "started" only if the host let the start section run.
(module
  (import "env" "proxy_add_header_map_value"
    (func $proxy_add_header_map_value
      (param $map_type i32) (param $key_ptr i32) (param $key_len i32)
      (param $value_ptr i32) (param $value_len i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 16) "x-start")  ;; 7 bytes
  (data (i32.const 32) "started")  ;; 7 bytes, copied by $init

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

  ;; Copies the 7 bytes at 32 to 256, one byte at a time.
  (func $init
    (local $i i32)
    (loop $copy
      (i32.store8 (i32.add (i32.const 256) (local.get $i))
                  (i32.load8_u (i32.add (i32.const 32) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $copy (i32.lt_u (local.get $i) (i32.const 7)))))
  (start $init)

  (func $proxy_abi_version_0_2_1 (export "proxy_abi_version_0_2_1"))

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
    (drop (call $proxy_add_header_map_value
      (i32.const 0) (i32.const 16) (i32.const 7) (i32.const 256) (i32.const 7)))
    (i32.const 0))
)
