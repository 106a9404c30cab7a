//! The functional core: pure data and functions. Nothing here talks to the API server or a
//! terminal, or reads a clock it is not given.
pub mod attribution;
pub mod deployed;
pub mod diff;
pub mod doctor;
pub mod duration;
pub mod environments;
pub mod flux;
pub mod health;
pub mod inventory;
pub mod kinds;
pub mod logs;
pub mod objects;
pub mod permute;
pub mod reconcile;
pub mod reference;
pub mod render;
pub mod sleep;
pub mod snapshot;
pub mod teardown;
pub mod template;
pub mod urls;
