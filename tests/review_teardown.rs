//! Adversarial review of the teardown planner (spec §3, §5; issue 10 §1). Each test is a concrete
//! cluster state in which the current plan deletes an object that is not provably the torn-down
//! environment's, or fails to delete what its own rules promise. They fail on the planner as
//! reviewed; each names the class it stands for.
use kubectl_preview::model::environments::{self, PodProblems};
use kubectl_preview::model::flux::{
    CHANGE_REQUEST_ANNOTATION, OWNER_NAME_LABEL, OWNER_NAMESPACE_LABEL,
};
use kubectl_preview::model::objects::{FluxObject, Identity, Object, Provider, ResourceSet};
use kubectl_preview::model::reference;
use kubectl_preview::model::snapshot::{Kind, Snapshot};
use kubectl_preview::model::teardown::{self, DeleteReason, Plan, Subject};
use serde_json::{Value, json};

const NS: &str = "app-dev";
const RSET: &str = "api-pr-envs";
const KS: &str = "kustomize.toolkit.fluxcd.io";

fn owner() -> Value {
    json!({OWNER_NAME_LABEL: RSET, OWNER_NAMESPACE_LABEL: NS})
}

fn entry(ns: &str, name: &str, group: &str, kind: &str) -> Value {
    json!({"id": format!("{ns}_{name}_{group}_{kind}"), "v": "v1"})
}

fn provider(name: &str, type_: &str, inputs: Value) -> Provider {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": NS, "labels": {"preview": "yes"}},
        "spec": {"type": type_},
        "status": {"exportedInputs": inputs}
    }))
    .unwrap()
}

/// A ResourceSet taking every provider labelled `preview: yes`, with `inventory`.
fn rset(inventory: Vec<Value>) -> ResourceSet {
    serde_json::from_value(json!({
        "metadata": {"name": RSET, "namespace": NS},
        "spec": {"inputsFrom": [{"kind": "ResourceSetInputProvider", "selector": {"matchLabels": {"preview": "yes"}}}]},
        "status": {"inventory": {"entries": inventory}}
    }))
    .unwrap()
}

fn deployment(name: &str, labels: Value, annotations: Value) -> Object {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": NS, "labels": labels, "annotations": annotations}
    }))
    .unwrap()
}

fn kustomization(name: &str, spec: Value, children: Vec<Value>) -> FluxObject {
    serde_json::from_value(json!({
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": NS, "labels": owner()},
        "spec": spec,
        "status": {"inventory": {"entries": children}}
    }))
    .unwrap()
}

fn subject(id: &str) -> Subject {
    Subject {
        namespace: NS.into(),
        resource_set: RSET.into(),
        id: id.into(),
        provider: None,
    }
}

fn deleted(plan: &Plan) -> Vec<String> {
    plan.delete
        .iter()
        .map(|d| format!("{}/{}", d.object.kind, d.object.name))
        .collect()
}

/// One GitHub provider exporting `prs` (id, branch, title), a ResourceSet whose inventory lists the
/// Deployments `names` (all carrying the owner labels, none annotated).
fn github(prs: &[(&str, &str, &str)], names: &[&str]) -> Snapshot {
    let inputs: Vec<Value> = prs
        .iter()
        .map(
            |(id, branch, title)| json!({"id": id, "sha": "abc", "branch": branch, "title": title}),
        )
        .collect();
    let mut s = Snapshot {
        providers: vec![provider("api-prs", "GitHubPullRequest", json!(inputs))],
        resource_sets: vec![rset(
            names
                .iter()
                .map(|n| entry(NS, n, "apps", "Deployment"))
                .collect(),
        )],
        ..Default::default()
    };
    s.objects.insert(
        Kind::Deployment,
        names
            .iter()
            .map(|n| deployment(n, owner(), json!({})))
            .collect(),
    );
    s
}

/// Class: a closed PR claims, by its number alone, an object that is rendered identically for
/// every input (spec §3: such objects "belong to the ResourceSet ... teardown never touches them").
/// `redis-7` is the shared cache of every preview; PR 7 was closed. After the GitOps path
/// `redis-7` is still in the ResourceSet's inventory (it is rendered for PRs 8 and 9), carries the
/// owner labels and no annotation, so `delete 7 --yes` deletes it for every environment.
#[test]
fn a_closed_pr_never_takes_a_shared_object_whose_name_holds_its_number() {
    let s = github(
        &[("8", "feat/a", "A"), ("9", "feat/b", "B")],
        &["redis-7", "api-8", "api-9"],
    );
    let plan = teardown::plan(&s, &subject("7")).unwrap();
    assert!(!plan.still_exported);
    assert!(
        plan.delete.is_empty(),
        "closed PR 7 takes the shared redis-7: {:?}",
        deleted(&plan)
    );
}

/// Class: a reference that cannot be a PR id. `delete api` (a typo, or a ResourceSet name typed
/// where a PR was expected) is planned as "closed PR api", and the name-token rule gives it every
/// object whose name holds the word `api` and no exported PR's id: here the ResourceSet's shared
/// `api-shared-config`. Change-request ids are numbers (GitHub/Gitea/Azure/CodeCommit PR numbers,
/// GitLab IIDs).
#[test]
fn a_reference_that_is_not_a_pr_number_claims_nothing() {
    let s = github(
        &[("8", "feat/a", "A"), ("9", "feat/b", "B")],
        &["api-shared-config", "api-8", "api-9"],
    );
    // `None`: not a PR that can be torn down at all.
    let plan = teardown::plan(&s, &subject("api")).unwrap_or_else(|| teardown::Plan {
        environment: String::new(),
        provider: None,
        still_exported: false,
        delete: vec![],
        pruned: vec![],
        kept: vec![],
        notes: vec![],
    });
    // Reachable from the command line: `subjects` (what `delete api` resolves) offers it as the
    // only candidate.
    let catalog = environments::build(&s, &PodProblems::new());
    let found: Vec<(String, Vec<String>)> =
        teardown::subjects(&s, &catalog, &reference::parse("api").unwrap())
            .iter()
            .map(|(s, p)| (s.to_string(), deleted(p)))
            .collect();
    assert!(
        plan.delete.is_empty() && found.iter().all(|(_, d)| d.is_empty()),
        "`delete api` takes: {:?}; subjects: {found:?}",
        deleted(&plan)
    );
}

/// Class: the plugin's slug is not the Flux Operator's. `slugify` in templates is gosimple/slug,
/// which transliterates (`crème` → `creme`) and cuts at 63 characters; `attribution::slugify`
/// turns every non-ASCII character into `-`. Exported PR 5's branch is `fix/crème-12`; its
/// Kustomization `app-fix-creme-12` (template `app-<< inputs.branch | slugify >>`) is not matched
/// by PR 5's slug as the plugin computes it (`fix-cr-me-12`), so closed PR 12 takes it by its
/// number, and deleting a `prune: true` Kustomization prunes PR 5's whole environment.
#[test]
fn a_closed_pr_never_takes_an_object_named_by_an_exported_prs_branch_slug() {
    let mut s = github(&[("5", "fix/crème-12", "Fix the menu")], &[]);
    s.resource_sets[0] = rset(vec![entry(NS, "app-fix-creme-12", KS, "Kustomization")]);
    s.flux.push(kustomization(
        "app-fix-creme-12",
        json!({"prune": true}),
        vec![],
    ));
    let plan = teardown::plan(&s, &subject("12")).unwrap();
    assert!(
        plan.delete.is_empty(),
        "closed PR 12 takes exported PR 5's Kustomization: {:?}",
        deleted(&plan)
    );
}

/// The same slug divergence with both PRs exported: `delete 12 --force` (PR 12 exported, branch
/// `feat/x`) takes exported PR 5's `app-fix-creme-12` too, since the name holds 12 and PR 5's slug
/// as the plugin computes it does not match. `list` and `get` attribute it to PR 12 as well.
#[test]
fn a_forced_teardown_never_takes_another_exported_prs_object_named_by_its_branch_slug() {
    let mut s = github(
        &[("5", "fix/crème-12", "Fix the menu"), ("12", "feat/x", "X")],
        &[],
    );
    s.resource_sets[0] = rset(vec![
        entry(NS, "app-fix-creme-12", KS, "Kustomization"),
        entry(NS, "app-feat-x", KS, "Kustomization"),
    ]);
    for n in ["app-fix-creme-12", "app-feat-x"] {
        s.flux
            .push(kustomization(n, json!({"prune": true}), vec![]));
    }
    let plan = teardown::plan(&s, &subject("12")).unwrap();
    assert!(plan.still_exported);
    assert_eq!(
        deleted(&plan),
        vec!["Kustomization/app-feat-x"],
        "PR 12's forced teardown takes exported PR 5's Kustomization"
    );
}

/// Same class, for a name built from another input than id and branch: exported PR 5's title
/// `Fix issue 12` (`preview-<< inputs.title | slugify >>`). Spec §3 rule 3 looks at ids and branch
/// slugs only, but the closed-PR path has a stronger fact at hand: after its refresh and
/// reconcile, whatever is still in the ResourceSet's inventory is rendered for an exported input.
#[test]
fn a_closed_pr_never_takes_an_object_named_by_an_exported_prs_title() {
    let s = github(
        &[("5", "feat/menu", "Fix issue 12")],
        &["preview-fix-issue-12"],
    );
    let plan = teardown::plan(&s, &subject("12")).unwrap();
    assert!(
        plan.delete.is_empty(),
        "closed PR 12 takes exported PR 5's Deployment: {:?}",
        deleted(&plan)
    );
}

/// Class: inputs of providers that are not change-request types. A ResourceSet may take its
/// inputs from a PR provider and a branch provider (previews of PRs and of release branches).
/// The branch provider exports branch `release/12`, rendered as `app-release-12`; attribution only
/// counts PR providers' inputs, so closed PR 12 takes the release branch's environment.
#[test]
fn a_closed_pr_never_takes_an_object_of_another_providers_input() {
    let mut s = github(&[("5", "feat/a", "A")], &["app-release-12"]);
    s.providers.push(provider(
        "api-branches",
        "GitHubBranch",
        json!([{"id": "2045969481", "sha": "def", "branch": "release/12"}]),
    ));
    let plan = teardown::plan(&s, &subject("12")).unwrap();
    assert!(
        plan.delete.is_empty(),
        "closed PR 12 takes the release branch's Deployment: {:?}",
        deleted(&plan)
    );
}

/// Class: the Kustomization's own deletion rule. kustomize-controller garbage-collects on delete
/// only when `finalizerShouldDeleteResources`: not suspended, and `spec.deletionPolicy`
/// `MirrorPrune` (default: follow `prune`), `Delete` or `WaitForTermination`; `Orphan` never does.
/// A `prune: true, deletionPolicy: Orphan` Kustomization is planned as pruning: its Deployment is
/// waited for, is never deleted, and the command times out with it still there.
#[test]
fn a_kustomization_with_deletion_policy_orphan_has_its_inventory_deleted_explicitly() {
    let mut s = github(&[("7", "feat/a", "A")], &[]);
    s.resource_sets[0] = rset(vec![entry(NS, "api-pr-7", KS, "Kustomization")]);
    s.flux.push(kustomization(
        "api-pr-7",
        json!({"prune": true, "deletionPolicy": "Orphan"}),
        vec![entry(NS, "api-7", "apps", "Deployment")],
    ));
    s.objects.insert(
        Kind::Deployment,
        vec![deployment(
            "api-7",
            json!({"kustomize.toolkit.fluxcd.io/name": "api-pr-7", "kustomize.toolkit.fluxcd.io/namespace": NS}),
            json!({}),
        )],
    );
    let plan = teardown::plan(&s, &subject("7")).unwrap();
    assert!(
        plan.pruned.is_empty(),
        "waited for, but kustomize-controller orphans it: {:?}",
        plan.pruned
    );
    assert!(
        plan.delete
            .iter()
            .any(|d| d.object.name == "api-7" && matches!(d.reason, DeleteReason::Orphaned { .. })),
        "{:?}",
        deleted(&plan)
    );
}

/// Class: kinds whose deletion reaches beyond the environment. A `prune: false` Kustomization that
/// applied a CustomResourceDefinition has it deleted explicitly; deleting a CRD deletes every
/// custom resource of that type in the whole cluster, and the `Shared` guard only sees Flux objects
/// of the snapshot's scope (another team's Kustomization applying the same CRD in another namespace
/// is invisible to `delete -n app-dev`).
#[test]
fn a_custom_resource_definition_is_never_deleted_explicitly() {
    let mut s = github(&[("7", "feat/a", "A")], &[]);
    s.resource_sets[0] = rset(vec![entry(NS, "api-pr-7", KS, "Kustomization")]);
    s.flux.push(kustomization(
        "api-pr-7",
        json!({"prune": false}),
        vec![entry(
            "",
            "widgets.example.com",
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
        )],
    ));
    let plan = teardown::plan(&s, &subject("7")).unwrap();
    assert!(
        !plan
            .delete
            .iter()
            .any(|d| d.object.kind == "CustomResourceDefinition"),
        "{:?}",
        deleted(&plan)
    );
}

/// Sanity check that the fixtures above are honest: with the annotation the Flux Operator's PR
/// guide puts on per-PR objects, the same snapshot gives each object to its PR.
#[test]
fn with_the_change_request_annotation_the_fixtures_attribute_as_expected() {
    let mut s = github(
        &[("8", "feat/a", "A"), ("9", "feat/b", "B")],
        &["redis-7", "api-8", "api-9"],
    );
    if let Some(d) = s.objects.get_mut(&Kind::Deployment) {
        for o in d.iter_mut().filter(|o| o.metadata.name() != "redis-7") {
            let id = o.metadata.name().trim_start_matches("api-").to_string();
            o.metadata
                .annotations
                .get_or_insert_default()
                .insert(CHANGE_REQUEST_ANNOTATION.into(), id);
        }
    }
    let plan = teardown::plan(&s, &subject("8")).unwrap();
    assert_eq!(deleted(&plan), vec!["Deployment/api-8"]);
}

/// Class: the plan says "keep" for what the teardown makes Flux delete. A `prune: true`
/// Kustomization that applied the PR's Namespace: deleting the Kustomization (which the plan does)
/// makes kustomize-controller garbage-collect the Namespace and everything in it, including what
/// no inventory lists. The plan prints `keep Namespace/pr-7 (namespaces, ResourceSets and providers
/// are never deleted)` and does not wait for it: the user is told the opposite of what happens.
#[test]
fn a_namespace_that_flux_prunes_is_not_reported_as_kept() {
    let mut s = github(&[("7", "feat/a", "A")], &[]);
    s.resource_sets[0] = rset(vec![entry(NS, "api-pr-7", KS, "Kustomization")]);
    s.flux.push(kustomization(
        "api-pr-7",
        json!({"prune": true}),
        vec![entry("", "pr-7", "", "Namespace")],
    ));
    let plan = teardown::plan(&s, &subject("7")).unwrap();
    assert!(
        !plan.kept.iter().any(|k| k.object.name == "pr-7"),
        "{}",
        teardown::render(&plan)
    );
}

/// Class: the provider of a closed PR. Two repositories feed one ResourceSet (providers web-prs and
/// api-prs); both had a PR 4, both are closed, and each left a `prune: disabled` Deployment.
/// `delete 4@web-prs` names web's PR 4 only, but the closed key carries no provider and no slug,
/// so it also takes `api-feature-4`, the leftover of api-prs's PR 4 (another environment).
#[test]
fn a_closed_pr_named_with_its_provider_never_takes_the_other_providers_leftovers() {
    let mut s = github(&[], &[]);
    s.providers = vec![
        provider(
            "web-prs",
            "GitHubPullRequest",
            json!([{"id": "8", "branch": "web/x"}]),
        ),
        provider(
            "api-prs",
            "GitHubPullRequest",
            json!([{"id": "9", "branch": "api/y"}]),
        ),
    ];
    s.objects.insert(
        Kind::Deployment,
        vec![
            deployment("web-feature-4", owner(), json!({})),
            deployment("api-feature-4", owner(), json!({})),
        ],
    );
    let mut web = subject("4");
    web.provider = Some("web-prs".into());
    let plan = teardown::plan(&s, &web).unwrap();
    assert!(
        !deleted(&plan).contains(&"Deployment/api-feature-4".to_string()),
        "{:?}",
        deleted(&plan)
    );
}
