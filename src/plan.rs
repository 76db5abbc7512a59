//! `confsum plan`: compare two renders of a release and say which workloads
//! will roll, and why. Built on the graph and digest stages of each side;
//! hands a [`Plan`] to `report::plan`. Names keys, never values.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::Analysis;
use crate::digest::{self, Checksums};
use crate::error::Result;
use crate::graph::Workload;
use crate::model::{ConfigKind, EffectiveData, Kind, ObjId, Object};

/// `kind/namespace/name`, within a scope (a folder of a repository; empty
/// for a stream).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Ident {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl std::fmt::Display for Ident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.scope.is_empty() {
            write!(f, "{}: ", self.scope)?;
        }
        write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

fn ident(model: &crate::model::Model<'_>, o: &Object) -> Ident {
    Ident {
        scope: model.scopes[model.scope_of(o)].clone(),
        kind: o.kind_name().to_string(),
        namespace: o.namespace.to_string(),
        name: o.name.to_string(),
    }
}

/// Consumed keys of one object whose bytes changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedObject {
    pub kind: String,
    pub name: String,
    pub keys: Vec<String>,
}

/// A workload that will roll.
#[derive(Debug, Clone, Serialize)]
pub struct Roll {
    #[serde(flatten)]
    pub workload: Ident,
    /// Consumed config whose bytes changed (the checksum changes).
    pub config: Vec<ChangedObject>,
    /// Paths in the pod template that changed apart from confsum's annotations.
    pub template: Vec<String>,
    /// When every changed key looks generated on each render (a new
    /// certificate, a new random password): how to stop the restarts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The hint of a roll whose changed keys all look generated per render.
pub const REGENERATED_HINT: &str = "every changed key looks generated on each render (genCA, randAlphaNum): if nothing changed on purpose, this restart repeats on every deploy; use `lookup`, an existing Secret, or `confsum.dev/hash: \"false\"` (confsum lint CHART: nondeterministic-config)";

/// A ConfigMap or Secret that changed but rolls nothing.
#[derive(Debug, Clone, Serialize)]
pub struct QuietChange {
    #[serde(flatten)]
    pub object: Ident,
    pub changed_keys: Vec<String>,
    pub why: String,
}

/// A bare Pod or plain Job whose consumed config changed: nothing restarts it.
#[derive(Debug, Clone, Serialize)]
pub struct Stranded {
    #[serde(flatten)]
    pub workload: Ident,
    pub config: Vec<ChangedObject>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AddedRemoved {
    pub workloads: Vec<Ident>,
    pub objects: Vec<Ident>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub version: u32,
    pub rolls: Vec<Roll>,
    pub config_changes_without_rollout: Vec<QuietChange>,
    pub not_rolled: Vec<Stranded>,
    pub added: AddedRemoved,
    pub removed: AddedRemoved,
}

impl Plan {
    pub fn anything_rolls(&self) -> bool {
        !self.rolls.is_empty()
    }
}

struct Side<'s, 'a> {
    a: &'s Analysis<'a>,
    sums: Vec<Checksums>,
    data: BTreeMap<ObjId, EffectiveData>,
}

impl<'s, 'a> Side<'s, 'a> {
    fn new(a: &'s Analysis<'a>, key: Option<&[u8]>) -> Result<Self> {
        let sums = digest::checksums(&a.model, &a.graph, key)?;
        let mut data = BTreeMap::new();
        for (i, o) in a.model.objects.iter().enumerate() {
            if matches!(o.kind, Kind::Config(_)) {
                let d = a
                    .model
                    .effective_data(i)
                    .map_err(|bad| digest::invalid_base64_error(&a.model, i, &bad))?;
                data.insert(i, d);
            }
        }
        Ok(Side { a, sums, data })
    }

    fn workloads(&self) -> BTreeMap<Ident, (usize, &Workload)> {
        self.a
            .graph
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| {
                (
                    ident(&self.a.model, &self.a.model.objects[w.object]),
                    (i, w),
                )
            })
            .collect()
    }

    fn configs(&self) -> BTreeMap<Ident, ObjId> {
        let mut m = BTreeMap::new();
        for (i, o) in self.a.model.objects.iter().enumerate() {
            if matches!(o.kind, Kind::Config(_)) {
                m.entry(ident(&self.a.model, o)).or_insert(i);
            }
        }
        m
    }
}

/// Keys whose bytes differ between two versions of an object (added and
/// removed keys included), limited to `consumed` when given.
fn changed_keys(
    old: Option<&EffectiveData>,
    new: Option<&EffectiveData>,
    consumed: Option<&BTreeSet<String>>,
) -> Vec<String> {
    let empty = EffectiveData::new();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .filter(|k| consumed.is_none_or(|c| c.contains(*k)))
        .cloned()
        .collect()
}

/// Compare two renders.
pub fn plan(
    old: &Analysis<'_>,
    new: &Analysis<'_>,
    hmac_key: Option<&[u8]>,
    checksum_keys: &[String; 2],
) -> Result<Plan> {
    let old_side = Side::new(old, hmac_key)?;
    let new_side = Side::new(new, hmac_key)?;
    let (old_w, new_w) = (old_side.workloads(), new_side.workloads());
    let (old_c, new_c) = (old_side.configs(), new_side.configs());

    let mut rolls = Vec::new();
    let mut not_rolled = Vec::new();
    // Config objects whose change some workload picks up.
    let mut picked_up: BTreeSet<Ident> = BTreeSet::new();
    for (id, &(ni, nw)) in &new_w {
        let Some(&(oi, ow)) = old_w.get(id) else {
            continue;
        };
        let config = changed_config(&old_side, ow, &new_side, nw);
        let sums_changed = old_side.sums[oi] != new_side.sums[ni];
        let template = template_changes(old, ow.object, new, nw.object, checksum_keys);
        // A workload inject leaves alone carries no checksum: opted out, or
        // rolled by its own controller.
        let left_alone = nw.left_alone.is_some();
        let injectable = new.model.is_injectable(&new.model.objects[nw.object]) && !left_alone;
        if sums_changed && !config.is_empty() && !injectable && !left_alone {
            not_rolled.push(Stranded {
                workload: id.clone(),
                config: config.clone(),
            });
        }
        let config_rolls = injectable && sums_changed && !config.is_empty();
        if config_rolls {
            for c in &config {
                picked_up.insert(Ident {
                    scope: id.scope.clone(),
                    kind: c.kind.clone(),
                    namespace: id.namespace.clone(),
                    name: c.name.clone(),
                });
            }
        }
        if config_rolls || !template.is_empty() {
            let hint = (config_rolls
                && template.is_empty()
                && regenerated((&old_side, ow), (&new_side, nw), &config))
            .then(|| REGENERATED_HINT.to_string());
            rolls.push(Roll {
                workload: id.clone(),
                config: if config_rolls { config } else { Vec::new() },
                template,
                hint,
            });
        }
    }

    let quiet = quiet_changes(&old_side, &new_side, &picked_up);
    Ok(Plan {
        version: 1,
        rolls,
        config_changes_without_rollout: quiet,
        not_rolled,
        added: AddedRemoved {
            workloads: diff_keys(&new_w, &old_w),
            objects: diff_keys(&new_c, &old_c),
        },
        removed: AddedRemoved {
            workloads: diff_keys(&old_w, &new_w),
            objects: diff_keys(&old_c, &new_c),
        },
    })
}

/// ConfigMaps and Secrets that changed but roll nothing, and why.
fn quiet_changes(
    old: &Side<'_, '_>,
    new: &Side<'_, '_>,
    picked_up: &BTreeSet<Ident>,
) -> Vec<QuietChange> {
    let (old_c, new_c) = (old.configs(), new.configs());
    let new_a = new.a;
    let mut quiet = Vec::new();
    for (id, &ni) in &new_c {
        let Some(&oi) = old_c.get(id) else { continue };
        let all = changed_keys(old.data.get(&oi), new.data.get(&ni), None);
        if all.is_empty() || picked_up.contains(id) {
            continue;
        }
        let consumers = new_a.graph.consumers_of(ni);
        // Left out on purpose: reloaded in place, or opted out.
        let left_out = consumers.iter().find_map(|&w| {
            let workload = &new_a.graph.workloads[w];
            let r = workload.refs.iter().find(|r| r.target == Some(ni))?;
            let why: &crate::graph::Excluded = r.excluded.as_deref()?;
            let name = new_a
                .model
                .display_name(&new_a.model.objects[workload.object]);
            Some(match why {
                crate::graph::Excluded::ReloadedInPlace { container } => {
                    format!("reloaded in place by {container} of {name}")
                }
                other => format!("{other} for {name}"),
            })
        });
        let why = if let Some(why) = left_out {
            why
        } else if consumers.iter().all(|&w| {
            new_a.graph.workloads[w]
                .refs
                .iter()
                .all(|r| !r.enters_checksum() || r.target != Some(ni))
        }) {
            if consumers.is_empty() {
                "no workload in the input consumes it".to_string()
            } else {
                "only pull secrets reference it".to_string()
            }
        } else if consumers.iter().all(|&w| {
            !new_a
                .model
                .is_injectable(&new_a.model.objects[new_a.graph.workloads[w].object])
        }) {
            "its consumers are bare Pods or plain Jobs, which no checksum rolls".to_string()
        } else {
            "only keys that no workload consumes changed".to_string()
        };
        quiet.push(QuietChange {
            object: id.clone(),
            changed_keys: all,
            why,
        });
    }
    quiet
}

fn find_ref<'w>(w: &'w Workload, kind: ConfigKind, name: &str) -> Option<&'w crate::graph::Ref> {
    w.refs
        .iter()
        .find(|r| r.kind == kind && r.name == name && r.enters_checksum())
}

fn diff_keys<A, B>(a: &BTreeMap<Ident, A>, b: &BTreeMap<Ident, B>) -> Vec<Ident> {
    a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
}

/// Whether every changed key of `config` looks generated on each render:
/// both sides PEM blocks, or random-looking values of one length.
fn regenerated(
    old: (&Side<'_, '_>, &Workload),
    new: (&Side<'_, '_>, &Workload),
    config: &[ChangedObject],
) -> bool {
    fn data<'s>(
        (side, w): (&'s Side<'_, '_>, &Workload),
        c: &ChangedObject,
    ) -> Option<&'s EffectiveData> {
        let kind = if c.kind == "Secret" {
            ConfigKind::Secret
        } else {
            ConfigKind::ConfigMap
        };
        find_ref(w, kind, &c.name)?
            .target
            .and_then(|t| side.data.get(&t))
    }
    let mut keys = 0;
    for c in config {
        let (Some(od), Some(nd)) = (data(old, c), data(new, c)) else {
            return false;
        };
        for k in &c.keys {
            let (Some(a), Some(b)) = (od.get(k), nd.get(k)) else {
                return false;
            };
            if !crate::secrets::looks_generated(a, b) {
                return false;
            }
            keys += 1;
        }
    }
    keys > 0
}

/// Consumed objects (on either side) whose consumed bytes changed.
fn changed_config(
    old: &Side<'_, '_>,
    ow: &Workload,
    new: &Side<'_, '_>,
    nw: &Workload,
) -> Vec<ChangedObject> {
    let mut names: BTreeSet<(ConfigKind, String)> = BTreeSet::new();
    for r in ow
        .refs
        .iter()
        .chain(&nw.refs)
        .filter(|r| r.enters_checksum())
    {
        names.insert((r.kind, r.name.to_string()));
    }
    let mut out = Vec::new();
    for (kind, name) in names {
        let (or, nr) = (find_ref(ow, kind, &name), find_ref(nw, kind, &name));
        // The union of what either side consumes: a key newly consumed counts.
        let consumed: Option<BTreeSet<String>> = match (or.map(|r| &r.keys), nr.map(|r| &r.keys)) {
            (Some(None), _) | (_, Some(None)) => None,
            (a, b) => Some(
                a.into_iter()
                    .chain(b)
                    .flatten()
                    .flatten()
                    .cloned()
                    .collect(),
            ),
        };
        let od = or.and_then(|r| r.target).and_then(|t| old.data.get(&t));
        let nd = nr.and_then(|r| r.target).and_then(|t| new.data.get(&t));
        let keys = changed_keys(od, nd, consumed.as_ref());
        if !keys.is_empty() || od.is_some() != nd.is_some() {
            out.push(ChangedObject {
                kind: kind.as_str().to_string(),
                name,
                keys,
            });
        }
    }
    out
}

/// Paths where the pod templates differ, ignoring confsum's own annotations.
fn template_changes(
    old: &Analysis<'_>,
    oo: ObjId,
    new: &Analysis<'_>,
    no: ObjId,
    ignore: &[String; 2],
) -> Vec<String> {
    let value = |a: &Analysis<'_>, obj: ObjId| {
        let o = &a.model.objects[obj];
        let mut v = a
            .model
            .pod_template(o)
            .map_or(Value::Null, |t| a.model.doc(o).to_json(t, &mut 100_000));
        if let Some(ann) = v
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            for k in ignore {
                ann.remove(k);
            }
        }
        v
    };
    let mut paths = Vec::new();
    diff_paths(&value(old, oo), &value(new, no), "", &mut paths);
    paths
}

const MAX_PATHS: usize = 8;

fn diff_paths(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    if a == b || out.len() >= MAX_PATHS {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                diff_paths(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &path,
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            let named = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
            if x.iter().chain(y).all(|v| named(v).is_some()) {
                let names: BTreeSet<String> = x.iter().chain(y).filter_map(named).collect();
                for n in names {
                    let find = |arr: &Vec<Value>| {
                        arr.iter()
                            .find(|v| named(v).as_deref() == Some(&n))
                            .cloned()
                            .unwrap_or(Value::Null)
                    };
                    diff_paths(&find(x), &find(y), &format!("{at}[{n}]"), out);
                }
            } else if x.len() == y.len() {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    diff_paths(p, q, &format!("{at}[{i}]"), out);
                }
            } else {
                out.push(at.to_string());
            }
        }
        _ => out.push(if at.is_empty() {
            "(pod template)".to_string()
        } else {
            at.to_string()
        }),
    }
}
