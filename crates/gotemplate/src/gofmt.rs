//! Go's `fmt` printing of template values (to be written).
