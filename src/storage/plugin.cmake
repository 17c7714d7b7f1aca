# The storage plugin's part of dynamq_storage (included from CMakeLists.txt):
#   msgid_codec, message_codec: ids and items of SPEC.md §2
#   rule_set: hook rules ready for dispatch
#   write_op, writer: batched, retried, bounded writes
#   storage_plugin (+ client_state, fetcher): the seed's functions on broker hooks
target_sources(dynamq_storage PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/msgid_codec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/message_codec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rule_set.cpp
  ${CMAKE_CURRENT_LIST_DIR}/write_op.cpp
  ${CMAKE_CURRENT_LIST_DIR}/writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/storage_plugin.cpp
  ${CMAKE_CURRENT_LIST_DIR}/client_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fetcher.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ack_functions.cpp
)
target_link_libraries(dynamq_storage PUBLIC dynamq_broker dynamq_dynamo spdlog::spdlog)
