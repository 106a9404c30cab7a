//! A scale fixture: N environments across M namespaces, each namespace with one provider and one
//! ResourceSet like the seed's, each environment with its rendered Kustomization (status and
//! inventory), Deployment, Service and Ingress.
use serde_json::{Value, json};

use crate::build;
use crate::seed::{self, SeedPr};

/// Objects of the scale fixture in dependency-free groups: namespaces first, then the rest.
pub fn scale(envs: usize, namespaces: usize, prefix: &str) -> (Vec<Value>, Vec<Value>) {
    let namespaces = namespaces.max(1);
    let infra = format!("{prefix}-infra");
    let mut ns_objects =
        vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": infra}})];
    let mut rest = Vec::new();
    rest.push(
        seed::api_scenario("x", &infra)
            .into_iter()
            .find(|o| o["metadata"]["name"] == "app-common-dev")
            .unwrap(),
    );
    for m in 0..namespaces {
        let ns = format!("{prefix}-{m}");
        ns_objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        let ids: Vec<usize> = (0..envs).filter(|i| i % namespaces == m).collect();
        let mut inputs = Vec::new();
        let mut entries = Vec::new();
        for i in &ids {
            let id: &'static str = Box::leak(format!("{}", 10_000 + i).into_boxed_str());
            let sha: &'static str = Box::leak(build::sha(*i as u32).into_boxed_str());
            // Every fifth environment runs an older commit, every seventh fails its health check.
            let rendered: &'static str = if i % 5 == 4 {
                Box::leak(build::sha(*i as u32 + 1_000_000).into_boxed_str())
            } else {
                sha
            };
            let pr = SeedPr {
                id,
                sha,
                rendered_sha: rendered,
                branch: "feat/scale",
                title: "Scale test",
                author: "dev",
                failure: (i % 7 == 6).then_some(
                    "health check failed after 5m0s: timeout waiting for: [Deployment/{ns}/x]",
                ),
            };
            inputs.push(json!({"id": id, "sha": sha, "branch": "feat/scale", "title": "Scale test", "author": "dev"}));
            entries.push(json!({"id": seed::inventory_id(&ns, &format!("api-pr-{id}"), "kustomize.toolkit.fluxcd.io", "Kustomization"), "v": "v1"}));
            rest.extend(seed::environment(&ns, &infra, &pr));
        }
        let mut scenario = seed::api_scenario(&ns, &infra);
        for o in scenario.iter_mut() {
            match o["kind"].as_str() {
                Some("ResourceSetInputProvider") => {
                    o["spec"]["filter"] = json!({"limit": 10000});
                    o["status"]["exportedInputs"] = json!(inputs);
                }
                Some("ResourceSet") => o["status"]["inventory"]["entries"] = json!(entries),
                _ => {}
            }
        }
        rest.extend(scenario.into_iter().filter(|o| {
            matches!(
                o["kind"].as_str(),
                Some("ResourceSetInputProvider" | "ResourceSet" | "Secret")
            )
        }));
    }
    (ns_objects, rest)
}
