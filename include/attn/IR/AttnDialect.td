#ifndef ATTN_DIALECT_TD
#define ATTN_DIALECT_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Attention variants as einsum cascades, with mask and feature-map attributes";
  let description = [{
    The `attn` dialect describes an attention variant as the cascade of contractions,
    elementwise maps and reductions that defines it (`attn.einsum`, `attn.map`,
    `attn.modify`, `attn.reduce`), plus two attribute families: `#attn.mask<...>` (which
    query/key pairs interact) applied by `attn.mask`, and `#attn.feature<...>` (feature
    maps of kernelised linear attention) applied by `attn.feature`.

    Index notation is the only way operands name their dimensions: every op that relates
    tensors spells their dimensions as letters (`"bhmd,bhnd->bhmn"`), and roles (batch,
    heads, query sequence, key sequence, feature) are derived from those letters. Head
    structure is index naming: grouped-query attention is `"bgrmd,bgnd->bgrmn"`.

    `attn.attention` is the recognised form that passes reason about: the
    `attn-raise-cascade` pass rewrites a standard softmax cascade into it, and it can be
    written directly (it also expresses linear attention through a feature map).
  }];
  // Tiling attn.attention builds affine.apply and tensor.extract_slice.
  let dependentDialects = ["::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class Attn_Op<string mnemonic, list<Trait> traits = []> :
    Op<Attn_Dialect, mnemonic, traits>;

#endif // ATTN_DIALECT_TD
