//! Go's `text/template`, with the functions the Flux Operator gives ResourceSet templates.
//!
//! - [`value`]: values typed as Go types them.
//! - [`func`]: functions with their Go signatures.
//! - [`template`]: the engine; parse once, execute many.
//! - [`gofmt`]: Go's `fmt` printing (`print`, `printf`, `%v`).
//! - [`sprig`]: slim-sprig's hermetic function map, `slugify`, `toYaml`.
//! - [`yaml`]: YAML as `sigs.k8s.io/yaml` (go-yaml v2) writes and reads it.
//! - [`resourceset`]: the Flux Operator's steps around the engine (inputs, documents, dedup).
pub mod func;
pub mod gofmt;
pub mod resourceset;
pub mod sprig;
pub mod template;
pub mod value;
pub mod yaml;

pub use func::{Env, Func, FuncMap, Ty};
pub use template::{Error, ErrorKind, Options, Template};
pub use value::{Elem, List, Map, Value};
