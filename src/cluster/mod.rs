//! Talking to the API server: connecting as kubectl does, reading snapshots, watching, writing
//! triggers and waiting for the controllers.
pub mod client;
pub mod live;
pub mod read;
pub mod triggers;
pub mod verbose;
