//! Test support for kubectl-preview: the local control plane started by `testenv/testenv.sh`, and
//! fixtures written through the API server the way the controllers write them (spec through the
//! object, status through the status subresource, so the real CRD schemas validate both); and the
//! real stack (`testenv.sh up --stack`), where the real controllers write them.
pub mod build;
pub mod cluster;
pub mod controller;
pub mod fixture;
pub mod githost;
pub mod http;
pub mod kubelet;
pub mod scale;
pub mod seed;
pub mod stack;
pub mod story;

pub use cluster::TestEnv;
