# kiln_add_network(NAME SPEC file.kiln [SCHEDULE file.sched] [WEIGHTS w.safetensors] [TARGET t]
#                  [PRECISION f32|bf16|int8] [QPARAMS q.qparams] [NETWORK network])
#
# Compiles a network with `kiln compile` at build time and defines the static
# library target NAME (NETWORK.a with NETWORK.h on its include path, linked
# with Kiln's runtime), like Halide's add_halide_library. NETWORK, the
# network's name in the spec, defaults to NAME; another NAME builds a second
# variant of one network (another precision, say). WEIGHTS embeds the
# weights in the library; PRECISION and QPARAMS are kiln compile's
# --precision and --qparams (int8 needs the second: see kiln quantize).
function(kiln_add_network name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "SPEC;SCHEDULE;WEIGHTS;TARGET;PRECISION;QPARAMS;NETWORK" "")
  if (NOT ARG_SPEC)
    message(FATAL_ERROR "kiln_add_network(${name}): SPEC is required")
  endif ()
  get_filename_component(spec ${ARG_SPEC} ABSOLUTE)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/kiln/${name})
  set(command ${KILN_EXECUTABLE} compile ${spec} -o ${out})
  set(depends ${spec})
  # File options: passed as absolute paths, and rebuilt when the file changes.
  foreach (option SCHEDULE WEIGHTS QPARAMS)
    if (ARG_${option})
      get_filename_component(file ${ARG_${option}} ABSOLUTE)
      string(TOLOWER ${option} flag)
      list(APPEND command --${flag} ${file})
      list(APPEND depends ${file})
    endif ()
  endforeach ()
  foreach (option TARGET PRECISION)
    if (ARG_${option})
      string(TOLOWER ${option} flag)
      list(APPEND command --${flag} ${ARG_${option}})
    endif ()
  endforeach ()
  set(network ${name})
  if (ARG_NETWORK)
    set(network ${ARG_NETWORK})
  endif ()
  if (TARGET kiln)  # inside Kiln's own build: rebuild when the compiler changes
    list(APPEND depends kiln)
  endif ()
  add_custom_command(OUTPUT ${out}/${network}.a ${out}/${network}.h
    COMMAND ${command} DEPENDS ${depends}
    COMMENT "Compiling network ${name} with Kiln" VERBATIM)
  add_custom_target(${name}.kiln DEPENDS ${out}/${network}.a ${out}/${network}.h)

  file(MAKE_DIRECTORY ${out})
  add_library(${name} STATIC IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES
    IMPORTED_LOCATION ${out}/${network}.a
    INTERFACE_INCLUDE_DIRECTORIES ${out}
    INTERFACE_LINK_LIBRARIES Kiln::runtime)
  add_dependencies(${name} ${name}.kiln)
endfunction()
