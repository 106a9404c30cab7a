//! The pure core at scale, without a cluster: the scale fixture's objects as a snapshot, through
//! `environments::build` and the table. Prints figures (median of 15 runs); `cargo bench --bench core`.
use std::time::{Duration, Instant};

use kubectl_preview::commands::list;
use kubectl_preview::model::environments::{self, PodProblems};
use kubectl_preview::model::render;
use kubectl_preview::model::snapshot::{Kind, Snapshot};
use serde_json::Value;

fn snapshot_of(objects: &[Value]) -> Snapshot {
    let mut s = Snapshot::default();
    for o in objects {
        let v = o.clone();
        match o["kind"].as_str().unwrap_or_default() {
            "ResourceSetInputProvider" => s.providers.push(serde_json::from_value(v).unwrap()),
            "ResourceSet" => s.resource_sets.push(serde_json::from_value(v).unwrap()),
            "Kustomization" => {
                let mut f: kubectl_preview::model::objects::FluxObject =
                    serde_json::from_value(v).unwrap();
                f.kind = "Kustomization".into();
                s.flux.push(f)
            }
            kind => {
                if let Some(k) = Kind::ALL.into_iter().find(|k| k.kind_name() == kind) {
                    s.objects
                        .entry(k)
                        .or_default()
                        .push(serde_json::from_value(v).unwrap());
                }
            }
        }
    }
    s
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

/// One ResourceSet of `n` PRs (the seed's template), rendered as the Flux Operator would: the
/// cost of rule 2 and of `render --local` per ResourceSet, beside the LISTs that feed it
/// (`bench/bench.py`, row "inputs LISTs").
fn render_one_set(n: usize) {
    let (_, objects) = testkit::scale::scale(n, 1, "bench");
    let snapshot = snapshot_of(&objects);
    let rset = &snapshot.resource_sets[0];
    let providers: Vec<_> = snapshot.providers.iter().collect();
    let mut walls = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        let r = render::render(rset, &providers).unwrap();
        walls.push(t.elapsed());
        assert_eq!(r.build.objects().count(), n);
    }
    println!(
        "N={n:>5}: render::render of one ResourceSet with N PRs {:>8.2?}",
        median(walls)
    );
}

fn main() {
    for n in [100usize, 1000, 3000] {
        render_one_set(n);
    }
    for n in [100usize, 1000, 3000] {
        let (_, objects) = testkit::scale::scale(n, 10, "bench");
        let snapshot = snapshot_of(&objects);
        let (mut build, mut table) = (Vec::new(), Vec::new());
        for _ in 0..15 {
            let t = Instant::now();
            let catalog = environments::build(&snapshot, &PodProblems::new());
            build.push(t.elapsed());
            let envs: Vec<_> = catalog.environments.iter().collect();
            let t = Instant::now();
            let text = list::render_table(&envs, false, true, false);
            table.push(t.elapsed());
            assert_eq!(text.lines().count(), n + 1);
        }
        println!(
            "N={n:>5}: environments::build {:>8.2?}   render_table {:>8.2?}",
            median(build),
            median(table)
        );
    }
}
