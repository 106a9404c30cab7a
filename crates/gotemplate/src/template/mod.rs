//! The `text/template` engine (to be written).
