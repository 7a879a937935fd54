// Tiles every attn.attention of the payload over batch, query heads and query rows.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %f = transform.structured.match ops{["func.func"]} attributes {sym_name = "gqa_documents"} in %root
        : (!transform.any_op) -> !transform.any_op
    %a = transform.structured.match ops{["attn.attention"]} in %f : (!transform.any_op) -> !transform.any_op
    %t, %loop = transform.structured.tile_using_forall %a tile_sizes [1, 2, 24]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %f2 = transform.structured.match ops{["func.func"]} attributes {sym_name = "layout_heads"} in %root
        : (!transform.any_op) -> !transform.any_op
    %a2 = transform.structured.match ops{["attn.attention"]} in %f2 : (!transform.any_op) -> !transform.any_op
    %t2, %loops2:2 = transform.structured.tile_using_for %a2 tile_sizes [0, 4, 40]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    %f3 = transform.structured.match ops{["func.func"]} attributes {sym_name = "decay_heads"} in %root
        : (!transform.any_op) -> !transform.any_op
    %a3 = transform.structured.match ops{["attn.attention"]} in %f3 : (!transform.any_op) -> !transform.any_op
    %t3, %loops3:2 = transform.structured.tile_using_for %a3 tile_sizes [0, 1, 16]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}
