//===- InitAttn.h - one place to register everything attn provides ---------===//
//
// Tools, the mlir-opt plugin and embedding compilers call these two functions; nothing
// registers attn pieces anywhere else.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_INITATTN_H
#define ATTN_INITATTN_H

namespace mlir {
class DialectRegistry;
namespace attn {

/// Adds the attn dialect (and the upstream dialects its lowering produces) to `registry`.
void registerAttnDialects(DialectRegistry &registry);

/// Registers attn-raise-cascade, convert-attn-to-linalg and the attn-to-cpu pipeline
/// with the global pass registry (command line and --pass-pipeline).
void registerAttnPassesAndPipelines();

} // namespace attn
} // namespace mlir

#endif // ATTN_INITATTN_H
