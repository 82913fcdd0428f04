# The s3storage CMake package, installed by `cargo cinstall` (PREFIX/share/cmake/s3storage):
#
#   find_package(s3storage 0.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE s3storage::s3storage)          # shared library
#   target_link_libraries(app PRIVATE s3storage::s3storage_static)   # static library
#
# With S3STORAGE_STATIC set to ON, s3storage::s3storage is the static library.
# s3storage::s3storage_shared / _static exist only when that library is installed
# (`cargo cinstall --library-type=cdylib` or `staticlib` installs one of them).

include("${CMAKE_CURRENT_LIST_DIR}/s3storage-pc.cmake")
if(NOT _s3storage_pc)
  set(s3storage_FOUND FALSE)
  set(s3storage_NOT_FOUND_MESSAGE
      "s3storage.pc not found under ${_s3storage_prefix}/lib*: is the install complete?")
  return()
endif()
set(s3storage_VERSION "${_s3storage_pc_version}")

if(NOT TARGET s3storage::s3storage)
  if(EXISTS "${_s3storage_libdir}/libs3storage.so")
    add_library(s3storage::s3storage_shared SHARED IMPORTED)
    set_target_properties(s3storage::s3storage_shared PROPERTIES
      IMPORTED_LOCATION "${_s3storage_libdir}/libs3storage.so"
      INTERFACE_INCLUDE_DIRECTORIES "${_s3storage_prefix}/include")
  endif()
  if(EXISTS "${_s3storage_libdir}/libs3storage.a")
    add_library(s3storage::s3storage_static STATIC IMPORTED)
    set_target_properties(s3storage::s3storage_static PROPERTIES
      IMPORTED_LOCATION "${_s3storage_libdir}/libs3storage.a"
      INTERFACE_INCLUDE_DIRECTORIES "${_s3storage_prefix}/include"
      INTERFACE_LINK_LIBRARIES "${_s3storage_private}")
  endif()
  if(S3STORAGE_STATIC)
    set(_s3storage_chosen s3storage::s3storage_static)
  else()
    set(_s3storage_chosen s3storage::s3storage_shared)
  endif()
  if(NOT TARGET ${_s3storage_chosen})
    set(s3storage_FOUND FALSE)
    set(s3storage_NOT_FOUND_MESSAGE "${_s3storage_chosen} is not installed in ${_s3storage_libdir}")
    return()
  endif()
  add_library(s3storage::s3storage INTERFACE IMPORTED)
  set_target_properties(s3storage::s3storage PROPERTIES
    INTERFACE_LINK_LIBRARIES ${_s3storage_chosen})
endif()
