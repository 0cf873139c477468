# One interface target carries the warning flags; SSM_WERROR (on in the presets
# CI uses) makes them errors.
add_library(ssm_warnings INTERFACE)
target_compile_options(ssm_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wformat=2 -Wimplicit-fallthrough)
if(SSM_WERROR)
  target_compile_options(ssm_warnings INTERFACE -Werror)
endif()
