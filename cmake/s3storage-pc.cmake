# Shared by s3storageConfig.cmake and s3storageConfigVersion.cmake: finds the install
# prefix (this file is in PREFIX/share/cmake/s3storage, where `cargo cinstall` puts it),
# the library directory (lib, lib64 or lib/<multiarch>, as --libdir chose) and reads the
# version and the static link line from the s3storage.pc that cargo-c generated, so that
# both have one source.
get_filename_component(_s3storage_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(_s3storage_pc "")
foreach(_dir lib lib64 "lib/${CMAKE_LIBRARY_ARCHITECTURE}")
  if(NOT _s3storage_pc AND EXISTS "${_s3storage_prefix}/${_dir}/pkgconfig/s3storage.pc")
    set(_s3storage_libdir "${_s3storage_prefix}/${_dir}")
    set(_s3storage_pc "${_s3storage_prefix}/${_dir}/pkgconfig/s3storage.pc")
  endif()
endforeach()
if(_s3storage_pc)
  file(STRINGS "${_s3storage_pc}" _s3storage_version_line REGEX "^Version:")
  string(REGEX REPLACE "^Version: *" "" _s3storage_pc_version "${_s3storage_version_line}")
  file(STRINGS "${_s3storage_pc}" _s3storage_private_line REGEX "^Libs.private:")
  string(REGEX REPLACE "^Libs.private: *" "" _s3storage_private "${_s3storage_private_line}")
  separate_arguments(_s3storage_private UNIX_COMMAND "${_s3storage_private}")
endif()
