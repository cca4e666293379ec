# find_package(Kiln): the `kiln` compiler, the runtime library Kiln::runtime
# and kiln_add_network().
include(CMakeFindDependencyMacro)
find_dependency(Threads)
include(${CMAKE_CURRENT_LIST_DIR}/KilnTargets.cmake)
get_filename_component(_kiln_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(KILN_EXECUTABLE "${_kiln_prefix}/bin/kiln")
unset(_kiln_prefix)
include(${CMAKE_CURRENT_LIST_DIR}/KilnNetwork.cmake)
