//! The Flux Operator's steps around the template engine (to be written).
