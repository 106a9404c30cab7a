//! slim-sprig's hermetic function map (placeholder until written).
use crate::func::FuncMap;

/// slim-sprig's `HermeticTxtFuncMap`.
pub fn hermetic() -> FuncMap {
    FuncMap::new()
}
