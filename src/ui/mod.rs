//! What reaches a terminal: output formats, progress, the picker, and the sanitiser every
//! untrusted string goes through.
pub mod logs;
pub mod output;
pub mod progress;
pub mod select;
pub mod table;
