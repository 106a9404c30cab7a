//! Expected values printed by Go for the same calls of slim-sprig's functions.
#[allow(unused_imports)]
use super::*;
