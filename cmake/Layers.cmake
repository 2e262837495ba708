# The link side of the layer rules (docs/architecture.md): each layer's library may reach, through
# its links (direct or transitive), only the pwplay libraries of the layers below it, and only
# the app may reach the UI toolkit (ImGui, GLFW, OpenGL). pwplay_check_layers() runs at the end of
# configuration and stops it with every broken rule. The include side is scripts/check_layers.

# Every target `target` links, directly or through other targets, into `out_var`.
function(_pwplay_link_closure target out_var)
  set(seen "")
  set(queue "${target}")
  while(queue)
    list(POP_FRONT queue current)
    set(links "")
    get_target_property(type ${current} TYPE)
    get_target_property(imported ${current} IMPORTED)
    if(NOT imported AND NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(direct ${current} LINK_LIBRARIES)
      if(direct)
        list(APPEND links ${direct})
      endif()
    endif()
    get_target_property(interface ${current} INTERFACE_LINK_LIBRARIES)
    if(interface)
      list(APPEND links ${interface})
    endif()
    foreach(item IN LISTS links)
      # A PRIVATE link of a static library shows in its interface as $<LINK_ONLY:name>.
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.+)>$" "\\1" item "${item}")
      if(TARGET "${item}")
        get_target_property(aliased "${item}" ALIASED_TARGET)
        if(aliased)
          set(item "${aliased}")
        endif()
        if(NOT item IN_LIST seen)
          list(APPEND seen "${item}")
          list(APPEND queue "${item}")
        endif()
      endif()
    endforeach()
  endwhile()
  set(${out_var} "${seen}" PARENT_SCOPE)
endfunction()

# pwplay_layer_rule(TARGET t LAYER "host" ALLOW pwplay_a pwplay_b ... FORBID other ...)
# Appends to PWPLAY_LAYER_VIOLATIONS (in the caller's scope) one line per pwplay_* library that
# `t` reaches and ALLOW does not list, and per FORBID target it reaches.
function(pwplay_layer_rule)
  cmake_parse_arguments(RULE "" "TARGET;LAYER" "ALLOW;FORBID" ${ARGN})
  if(NOT TARGET ${RULE_TARGET})
    return()
  endif()
  _pwplay_link_closure(${RULE_TARGET} reached)
  list(REMOVE_ITEM reached ${RULE_TARGET})  # through a cycle
  set(allowed "nothing of pwplay's")
  if(RULE_ALLOW)
    list(JOIN RULE_ALLOW ", " allowed)
  endif()
  set(violations ${PWPLAY_LAYER_VIOLATIONS})
  foreach(item IN LISTS reached)
    if(item MATCHES "^pwplay_" AND NOT item IN_LIST RULE_ALLOW)
      list(APPEND violations "${RULE_TARGET} (${RULE_LAYER}) links ${item} (allowed: ${allowed})")
    elseif(item IN_LIST RULE_FORBID)
      list(APPEND violations "${RULE_TARGET} (${RULE_LAYER}) links ${item}, which only the app may link")
    endif()
  endforeach()
  set(PWPLAY_LAYER_VIOLATIONS ${violations} PARENT_SCOPE)
endfunction()

# The rules, over the targets that exist (the app's model library only with the GUI, engines as
# built). PWPLAY_ENGINE_TARGETS lists the engine libraries.
function(pwplay_check_layers)
  set(PWPLAY_LAYER_VIOLATIONS "")
  set(ui PkgConfig::IMGUI glfw OpenGL::GL OpenGL::OpenGL)
  set(engines ${PWPLAY_ENGINE_TARGETS})
  pwplay_layer_rule(TARGET pwplay_abi LAYER "abi" FORBID ${ui})
  pwplay_layer_rule(TARGET pwplay_runtime LAYER "host" ALLOW pwplay_abi FORBID ${ui})
  foreach(engine IN LISTS engines)
    pwplay_layer_rule(TARGET ${engine} LAYER "host/engines"
      ALLOW pwplay_runtime pwplay_abi FORBID ${ui})
  endforeach()
  pwplay_layer_rule(TARGET pwplay_host LAYER "host"
    ALLOW pwplay_runtime pwplay_abi ${engines} FORBID ${ui})
  pwplay_layer_rule(TARGET pwplay_debugger LAYER "debugger"
    ALLOW pwplay_host pwplay_runtime pwplay_abi ${engines} FORBID ${ui})
  pwplay_layer_rule(TARGET pwplay_gui_core LAYER "app/gui/core"
    ALLOW pwplay_debugger pwplay_host pwplay_runtime pwplay_abi ${engines} FORBID ${ui})
  if(PWPLAY_LAYER_VIOLATIONS)
    list(JOIN PWPLAY_LAYER_VIOLATIONS "\n  " text)
    message(FATAL_ERROR "pwplay layer rules broken (docs/architecture.md):\n  ${text}")
  endif()
endfunction()
