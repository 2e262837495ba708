;; startup_failure.wat: a filter that refuses to start.
;;
;; A plugin starts with two callbacks on its root context: proxy_on_vm_start(root,
;; vm_config_size) once per VM, then proxy_on_configure(root, plugin_config_size). Either may
;; return 0 (false) to say "I cannot run like this" (a bad configuration, a missing
;; resource). The host then does not use the plugin: no request reaches proxy_on_request_headers.
;; In Envoy the listener is rejected; pwplay reports a start-up failure naming the phase
;; (`pwplay run --json`: startup.ok false, phase "proxy_on_configure"; `pwplay check` says why).
;;
;; Here proxy_on_vm_start succeeds and proxy_on_configure logs why it refuses, then returns 0.
(module
  (import "env" "proxy_log"
    (func $proxy_log (param $level i32) (param $msg_ptr i32) (param $msg_len i32) (result i32)))
  (import "env" "proxy_add_header_map_value"
    (func $proxy_add_header_map_value
      (param $map_type i32) (param $key_ptr i32) (param $key_len i32)
      (param $value_ptr i32) (param $value_len i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 16) "startup_failure: proxy_on_vm_start ok")                       ;; 37
  (data (i32.const 64) "startup_failure: proxy_on_configure refuses: nothing to run")  ;; 59
  (data (i32.const 128) "x-startup")   ;; 9 bytes
  (data (i32.const 144) "unreachable")  ;; 11 bytes

  ;; Bump allocator (the host never needs it here, but every filter offers one).
  (global $heap_top (mut i32) (i32.const 4096))
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $heap_top))
    (if (i32.gt_u (i32.add (local.get $ptr) (local.get $size)) (i32.const 65536))
      (then (return (i32.const 0))))
    (global.set $heap_top (i32.add (local.get $ptr) (local.get $size)))
    (local.get $ptr))

  (func $proxy_abi_version_0_2_1 (export "proxy_abi_version_0_2_1"))

  (func $proxy_on_context_create (export "proxy_on_context_create")
    (param $context_id i32) (param $parent_id i32))

  (func $proxy_on_vm_start (export "proxy_on_vm_start")
    (param $root_id i32) (param $vm_config_size i32) (result i32)
    (drop (call $proxy_log (i32.const 2) (i32.const 16) (i32.const 37)))
    (i32.const 1))  ;; true: the VM may start

  (func $proxy_on_configure (export "proxy_on_configure")
    (param $root_id i32) (param $plugin_config_size i32) (result i32)
    (drop (call $proxy_log (i32.const 4) (i32.const 64) (i32.const 59)))
    (i32.const 0))  ;; false: the plugin refuses its configuration

  ;; Never called: the plugin did not start.
  (func $proxy_on_request_headers (export "proxy_on_request_headers")
    (param $context_id i32) (param $num_headers i32) (param $end_of_stream i32) (result i32)
    (drop (call $proxy_add_header_map_value
      (i32.const 0) (i32.const 128) (i32.const 9) (i32.const 144) (i32.const 11)))
    (i32.const 0))

  (func $proxy_on_done (export "proxy_on_done") (param $context_id i32) (result i32)
    (i32.const 1)))
