//! When a requested reconcile is done: the flux CLI's rule. Handled when
//! `status.lastHandledReconcileAt` equals the request's token, then the Ready condition at the
//! object's generation decides.
use crate::model::flux::RECONCILE_ANNOTATION;
use crate::model::objects::{Identity, Reconcilable, find_condition};

/// Where an object stands with respect to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// Still waiting (what for).
    NotYet(String),
    Ready(String),
    Failed(String),
    Disabled,
}

/// Pure: has the controller handled `token`, and with what result? `None` token: only readiness
/// at the current generation counts (used after waiting for creation).
pub fn handled(obj: &Reconcilable, token: Option<&str>) -> Handled {
    let disabled = obj
        .metadata
        .annotations()
        .get(RECONCILE_ANNOTATION)
        .is_some_and(|v| v.eq_ignore_ascii_case("disabled"));
    if disabled || obj.spec.suspend {
        return Handled::Disabled;
    }
    if let Some(token) = token
        && obj.status.last_handled_reconcile_at.as_deref() != Some(token)
    {
        return Handled::NotYet("waiting for the controller to handle the request".into());
    }
    let Some(ready) = find_condition(&obj.status.conditions, "Ready") else {
        return Handled::NotYet("no Ready condition yet".into());
    };
    let generation = obj.metadata.generation;
    let observed = ready.observed_generation.or(obj.status.observed_generation);
    if let (Some(generation), Some(observed)) = (generation, observed)
        && observed != generation
    {
        return Handled::NotYet(format!("generation {generation} not observed yet"));
    }
    match ready.status.as_str() {
        "True" => Handled::Ready(ready.message.clone()),
        // Neither is final: a newer reconcile canceled the health check, or kustomize-controller
        // requeues until the dependency is Ready (seen on the real stack when the dependency
        // reconciles the same new revision at the same time).
        "False"
            if matches!(
                ready.reason.as_str(),
                "HealthCheckCanceled" | "DependencyNotReady"
            ) =>
        {
            Handled::NotYet(ready.message.clone())
        }
        "False" => Handled::Failed(format!("{}: {}", ready.reason, ready.message)),
        _ => Handled::NotYet(if ready.message.is_empty() {
            "reconciling".into()
        } else {
            ready.message.clone()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn typed(v: Value) -> Reconcilable {
        serde_json::from_value(v).unwrap()
    }

    fn obj(
        last: Option<&str>,
        status: &str,
        reason: &str,
        generation: i64,
        observed: i64,
    ) -> Reconcilable {
        typed(raw(last, status, reason, generation, observed))
    }

    fn raw(
        last: Option<&str>,
        status: &str,
        reason: &str,
        generation: i64,
        observed: i64,
    ) -> Value {
        json!({"metadata": {"generation": generation}, "status": {"lastHandledReconcileAt": last, "observedGeneration": observed,
               "conditions": [{"type": "Ready", "status": status, "reason": reason, "message": "m"}]}})
    }

    #[test]
    fn handled_follows_the_flux_cli_rules() {
        let t = "2026-11-22T00:00:00.000000001Z";
        assert!(matches!(
            handled(&obj(None, "True", "R", 1, 1), Some(t)),
            Handled::NotYet(_)
        ));
        assert!(matches!(
            handled(&obj(Some("older"), "True", "R", 1, 1), Some(t)),
            Handled::NotYet(_)
        ));
        assert_eq!(
            handled(&obj(Some(t), "True", "R", 1, 1), Some(t)),
            Handled::Ready("m".into())
        );
        assert!(
            matches!(
                handled(&obj(Some(t), "True", "R", 2, 1), Some(t)),
                Handled::NotYet(_)
            ),
            "generation behind"
        );
        assert_eq!(
            handled(&obj(Some(t), "False", "HealthCheckFailed", 1, 1), Some(t)),
            Handled::Failed("HealthCheckFailed: m".into())
        );
        assert!(
            matches!(
                handled(&obj(Some(t), "False", "HealthCheckCanceled", 1, 1), Some(t)),
                Handled::NotYet(_)
            ),
            "not final"
        );
        assert!(
            matches!(
                handled(&obj(Some(t), "False", "DependencyNotReady", 1, 1), Some(t)),
                Handled::NotYet(_)
            ),
            "kustomize-controller retries once the dependency is Ready"
        );
        assert!(matches!(
            handled(&obj(Some(t), "Unknown", "Progressing", 1, 1), Some(t)),
            Handled::NotYet(_)
        ));
        let mut suspended = raw(Some(t), "True", "R", 1, 1);
        suspended["spec"] = json!({"suspend": true});
        assert_eq!(handled(&typed(suspended), Some(t)), Handled::Disabled);
        let mut disabled = raw(Some(t), "True", "R", 1, 1);
        disabled["metadata"]["annotations"] =
            json!({"fluxcd.controlplane.io/reconcile": "Disabled"});
        assert_eq!(handled(&typed(disabled), Some(t)), Handled::Disabled);
        assert_eq!(
            handled(&obj(None, "True", "R", 1, 1), None),
            Handled::Ready("m".into())
        );
    }
}
