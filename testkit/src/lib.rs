//! Test support for kubectl-preview: the local control plane started by `testenv/testenv.sh`, and
//! fixtures written through the API server the way the controllers write them (spec through the
//! object, status through the status subresource, so the real CRD schemas validate both).
pub mod build;
pub mod cluster;
pub mod controller;
pub mod fixture;
pub mod scale;
pub mod seed;

pub use cluster::TestEnv;
