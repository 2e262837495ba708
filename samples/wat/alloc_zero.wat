;; alloc_zero.wat: a filter whose allocator always answers 0 (out of memory).
;;
;; When a host function returns data (a header value, a body, a property) the host first calls
;; the filter's allocator, `malloc` (or `proxy_on_memory_allocate`), to get room in linear
;; memory, copies the bytes there and writes the address to the out-pointer. Here the allocator
;; returns 0, so the host has nowhere to copy: it must fail the call (pwplay answers
;; INVALID_MEMORY_ACCESS, 6) instead of writing at address 0.
;;
;; proxy_on_request_headers asks for `:path` with proxy_get_header_map_value and adds
;; `x-alloc-zero: refused` when the host failed the call as expected, `x-alloc-zero: unexpected`
;; otherwise. proxy_add_header_map_value needs no allocation (the filter passes its own memory),
;; so it still works. Watch the trace: the call to `malloc` and its 0 result.
(module
  (import "env" "proxy_log"
    (func $proxy_log (param $level i32) (param $msg_ptr i32) (param $msg_len i32) (result i32)))
  (import "env" "proxy_get_header_map_value"
    (func $proxy_get_header_map_value
      (param $map_type i32) (param $key_ptr i32) (param $key_len i32)
      (param $ret_value_ptr i32) (param $ret_value_size i32) (result i32)))
  (import "env" "proxy_add_header_map_value"
    (func $proxy_add_header_map_value
      (param $map_type i32) (param $key_ptr i32) (param $key_len i32)
      (param $value_ptr i32) (param $value_len i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 16) ":path")          ;; 5 bytes
  (data (i32.const 32) "x-alloc-zero")   ;; 12 bytes
  (data (i32.const 48) "refused")        ;; 7 bytes
  (data (i32.const 64) "unexpected")     ;; 10 bytes
  (data (i32.const 80) "alloc_zero: the host could not copy :path into the filter")  ;; 57 bytes
  ;; Out-parameters of proxy_get_header_map_value: the address and the size of the value.
  ;; 1024: value pointer, 1028: value size.

  ;; The allocator: never any room.
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (i32.const 0))
  (func $proxy_on_memory_allocate (export "proxy_on_memory_allocate")
    (param $size i32) (result i32)
    (i32.const 0))

  (func $proxy_abi_version_0_2_1 (export "proxy_abi_version_0_2_1"))

  (func $proxy_on_context_create (export "proxy_on_context_create")
    (param $context_id i32) (param $parent_id i32))

  (func $proxy_on_vm_start (export "proxy_on_vm_start")
    (param $root_id i32) (param $vm_config_size i32) (result i32)
    (i32.const 1))

  (func $proxy_on_configure (export "proxy_on_configure")
    (param $root_id i32) (param $plugin_config_size i32) (result i32)
    (i32.const 1))

  (func $proxy_on_request_headers (export "proxy_on_request_headers")
    (param $context_id i32) (param $num_headers i32) (param $end_of_stream i32) (result i32)
    (local $status i32)
    (local.set $status
      (call $proxy_get_header_map_value
        (i32.const 0) (i32.const 16) (i32.const 5) (i32.const 1024) (i32.const 1028)))
    (if (i32.eq (local.get $status) (i32.const 6))  ;; INVALID_MEMORY_ACCESS
      (then
        (drop (call $proxy_log (i32.const 3) (i32.const 80) (i32.const 57)))
        (drop (call $proxy_add_header_map_value
          (i32.const 0) (i32.const 32) (i32.const 12) (i32.const 48) (i32.const 7))))
      (else
        (drop (call $proxy_add_header_map_value
          (i32.const 0) (i32.const 32) (i32.const 12) (i32.const 64) (i32.const 10)))))
    (i32.const 0))  ;; Continue

  (func $proxy_on_done (export "proxy_on_done") (param $context_id i32) (result i32)
    (i32.const 1)))
