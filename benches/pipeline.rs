//! The benchmark suite: `cargo bench --bench pipeline`.
//!
//! Measures, on this machine, in one run:
//! - the YAML stage alone, in process, on each corpus file, the whole corpus,
//!   and generated 10 MB and 100 MB streams (MB/s, time per document), on
//!   one thread and on all;
//! - `graph`, `inject` and `lint` end to end through the CLI on the corpus
//!   and both streams (MB/s, peak resident memory);
//! - the same work in Python with PyYAML's C loader
//!   (`tests/support/spec_v1.py`: parse every document, resolve references,
//!   compute spec-v1 checksums), and the ratio.
//!
//! Writes the tables to stdout and to `target/bench/report.md`.
//! `BENCH_QUICK=1` skips the 100 MB stream. `BENCH_INSTRUCTIONS=1` adds
//! callgrind's instruction counts to the doubling table;
//! `BENCH_ONLY=doubling` runs that table alone.

#[path = "../examples/gen_stream.rs"]
#[allow(dead_code)]
mod gen_stream;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Best wall time of `runs` runs of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// One measured run: wall time, CPU time (user + system), peak RSS in KB.
#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Duration,
    peak_kb: u64,
}

/// Run a command with stdin from `input`, stdout discarded: wall time,
/// CPU time (user and system) from the kernel's accounting of the child
/// (`wait4`, to the microsecond, where /proc counts 10 ms ticks), and peak
/// resident memory (`VmHWM`, polled every 2 ms). Not `ru_maxrss`: a child
/// inherits its parent's high-water mark through fork and exec, and this
/// process holds hundreds of MB.
#[expect(clippy::zombie_processes, reason = "wait4 reaps the child")]
fn run_with_cpu(cmd: &mut Command, input: &Path) -> Run {
    let started = Instant::now();
    let child = cmd
        .stdin(std::fs::File::open(input).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut peak_kb = 0u64;
    // SAFETY: a zeroed rusage is valid; wait4 fills it for our own child,
    // which std then never waits for again.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut status = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(line) = s.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kb = line.split_whitespace().nth(1).and_then(|v| v.parse().ok());
            peak_kb = peak_kb.max(kb.unwrap_or(0));
        }
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            break;
        }
        assert_eq!(done, 0, "wait4 failed");
        std::thread::sleep(Duration::from_millis(2));
    }
    let wall = started.elapsed();
    let seconds = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Run {
        wall,
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        peak_kb,
    }
}

/// Instructions `bin lint` runs on `input`, all threads, as callgrind
/// counts them.
fn instructions(valgrind: &Path, bin: &str, input: &Path) -> u64 {
    let out = Command::new(valgrind)
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null", bin])
        .args(["lint", "--format", "json", "--fail-on", "never"])
        .stdin(std::fs::File::open(input).unwrap())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    log.lines()
        .find_map(|l| l.split("Collected : ").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no instruction count from callgrind:\n{log}"))
}

/// The median of `a / b` over pairs of runs made one after the other.
fn median_ratio(pairs: impl Iterator<Item = (Duration, Duration)>) -> f64 {
    let mut ratios: Vec<f64> = pairs
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64().max(1e-6))
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs of one command summed up: median wall and CPU time, highest peak.
fn summary(runs: &[Run]) -> Run {
    Run {
        wall: median(runs.iter().map(|r| r.wall).collect()),
        cpu: median(runs.iter().map(|r| r.cpu).collect()),
        peak_kb: runs.iter().map(|r| r.peak_kb).max().unwrap_or(0),
    }
}

/// Wall time and peak resident memory of one run.
fn run_measured(cmd: &mut Command, input: &Path) -> (Duration, u64) {
    let r = run_with_cpu(cmd, input);
    (r.wall, r.peak_kb)
}

fn best_measured(runs: usize, mut make: impl FnMut() -> Command, input: &Path) -> (Duration, u64) {
    let mut out = (Duration::MAX, 0);
    for _ in 0..runs {
        let (d, kb) = run_measured(&mut make(), input);
        out = (out.0.min(d), out.1.max(kb));
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let bench_dir = root().join("target/bench");
    std::fs::create_dir_all(&bench_dir).unwrap();
    // One table alone: `BENCH_ONLY=doubling` or `BENCH_ONLY=memory`.
    type Table = fn(&str, &Path, &mut String);
    let only: Option<(&str, Table)> = match std::env::var("BENCH_ONLY").as_deref() {
        Ok("doubling") => Some(("doubling", doubling)),
        Ok("memory") => Some(("memory", memory_shapes)),
        _ => None,
    };
    if let Some((name, table)) = only {
        let mut report = String::new();
        table(env!("CARGO_BIN_EXE_confsum"), &bench_dir, &mut report);
        print!("{report}");
        std::fs::write(bench_dir.join(format!("{name}.md")), &report).unwrap();
        return;
    }
    let corpus_dir = root().join("../shared/corpus/rendered");
    let corpus = gen_stream::corpus_texts(&corpus_dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let whole = bench_dir.join("corpus-all.yaml");
    std::fs::write(
        &whole,
        corpus
            .iter()
            .map(|t| {
                if t.ends_with('\n') {
                    t.clone()
                } else {
                    format!("{t}\n")
                }
            })
            .collect::<String>(),
    )
    .unwrap();
    let mut streams = vec![("corpus (all files)", whole.clone())];
    for mb in if quick { vec![10] } else { vec![10, 100] } {
        let p = bench_dir.join(format!("stream-{mb}mb.yaml"));
        if !p.exists() {
            std::fs::write(&p, gen_stream::generate(&corpus, mb * 1024 * 1024)).unwrap();
        }
        streams.push((
            if mb == 10 {
                "10 MB stream"
            } else {
                "100 MB stream"
            },
            p,
        ));
    }

    let mut report = String::new();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    report.push_str(&format!(
        "machine: {cpus} cores; confsum {} (release)\n\n",
        env!("CARGO_PKG_VERSION")
    ));

    // 1. The YAML stage alone.
    report.push_str("## Parse alone (in process, best of runs)\n\n| input | bytes | documents | all cores MB/s | 1 thread MB/s | µs/document |\n|---|---:|---:|---:|---:|---:|\n");
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut parse_rows: Vec<(String, PathBuf)> = files
        .iter()
        .map(|f| {
            (
                f.file_name().unwrap().to_string_lossy().to_string(),
                f.clone(),
            )
        })
        .collect();
    parse_rows.extend(streams.iter().map(|(n, p)| (n.to_string(), p.clone())));
    for (name, path) in &parse_rows {
        let text = std::fs::read_to_string(path).unwrap();
        let runs = if text.len() > 50_000_000 { 3 } else { 7 };
        let docs = confsum::yaml::parse_stream(&text).unwrap().len();
        let all = best(runs, || confsum::yaml::parse_stream(&text).unwrap().len());
        let single = best(runs, || {
            one.install(|| confsum::yaml::parse_stream(&text).unwrap().len())
        });
        report.push_str(&format!(
            "| {name} | {} | {docs} | {:.1} | {:.1} | {:.1} |\n",
            text.len(),
            mbps(text.len(), all),
            mbps(text.len(), single),
            all.as_secs_f64() * 1e6 / docs.max(1) as f64
        ));
    }

    // 2. End to end through the CLI, and the PyYAML baseline.
    let bin = env!("CARGO_BIN_EXE_confsum");
    report.push_str("\n## End to end (CLI, stdin to /dev/null, best of runs)\n\n| input | command | seconds | MB/s | peak RSS MB | RSS / input |\n|---|---|---:|---:|---:|---:|\n");
    let mut inject_times = Vec::new();
    for (name, path) in &streams {
        let bytes = std::fs::metadata(path).unwrap().len() as usize;
        let runs = if bytes > 50_000_000 { 3 } else { 5 };
        let commands: [(&str, &[&str]); 4] = [
            ("graph --format json", &["graph", "--format", "json"]),
            ("inject", &["inject", "-q"]),
            (
                "lint --format json",
                &["lint", "--format", "json", "--fail-on", "never"],
            ),
            ("inject (1 thread)", &["inject", "-q"]),
        ];
        for (label, args) in commands {
            let threads = if label.contains("1 thread") { "1" } else { "0" };
            let (d, kb) = best_measured(
                runs,
                || {
                    let mut c = Command::new(bin);
                    c.args(args);
                    if threads == "1" {
                        c.env("RAYON_NUM_THREADS", "1");
                    }
                    c
                },
                path,
            );
            if label.starts_with("inject") {
                inject_times.push((name.to_string(), label.to_string(), d));
            }
            report.push_str(&format!(
                "| {name} | `{label}` | {:.3} | {:.1} | {:.0} | {:.2} |\n",
                d.as_secs_f64(),
                mbps(bytes, d),
                kb as f64 / 1024.0,
                (kb * 1024) as f64 / bytes as f64
            ));
        }
        let py = root().join("tests/support/spec_v1.py");
        let (d, kb) = best_measured(
            1,
            || {
                let mut c = Command::new("python3");
                c.arg(&py).arg("default");
                c
            },
            path,
        );
        let ours = inject_times
            .iter()
            .find(|(n, l, _)| n == name && l == "inject")
            .unwrap()
            .2;
        report.push_str(&format!(
            "| {name} | PyYAML baseline (C loader) | {:.3} | {:.1} | {:.0} | {:.2} |\n| {name} | **inject / baseline speed** | | **{:.1}x** | | |\n",
            d.as_secs_f64(),
            mbps(bytes, d),
            kb as f64 / 1024.0,
            (kb * 1024) as f64 / bytes as f64,
            d.as_secs_f64() / ours.as_secs_f64()
        ));
    }
    lint_targets(bin, &streams, &mut report);
    if !quick {
        doubling(bin, &bench_dir, &mut report);
    }
    memory_shapes(bin, &bench_dir, &mut report);
    let get = |n: &str, l: &str| {
        inject_times
            .iter()
            .find(|(a, b, _)| a == n && b == l)
            .map(|x| x.2)
    };
    report.push_str("\n## Scaling\n\n");
    for name in ["10 MB stream", "100 MB stream"] {
        if let (Some(all), Some(single)) = (get(name, "inject"), get(name, "inject (1 thread)")) {
            report.push_str(&format!(
                "- {name}: inject on 1 thread {:.3} s, on {cpus} {:.3} s: {:.2}x\n",
                single.as_secs_f64(),
                all.as_secs_f64(),
                single.as_secs_f64() / all.as_secs_f64()
            ));
        }
    }
    if let (Some(ten), Some(hundred)) = (
        get("10 MB stream", "inject"),
        get("100 MB stream", "inject"),
    ) {
        report.push_str(&format!(
            "- linearity: the 100 MB stream takes {:.1}x the time of the 10 MB one\n",
            hundred.as_secs_f64() / ten.as_secs_f64()
        ));
    }
    print!("{report}");
    std::fs::write(bench_dir.join("report.md"), &report).unwrap();
}

/// Issue 19's targets for lint, from paired runs (each round runs every
/// command once, in turn), medians of wall and CPU seconds: human against
/// JSON, lint against inject, 1 against 2 threads, peak memory.
fn lint_targets(bin: &str, streams: &[(&str, PathBuf)], report: &mut String) {
    let mut streams: Vec<(String, PathBuf)> = streams
        .iter()
        .filter(|(n, _)| n.contains("MB"))
        .map(|(n, p)| (n.to_string(), p.clone()))
        .collect();
    // The 1 GB stream only when asked: it takes minutes and 7 GB of memory.
    if std::env::var_os("BENCH_1GB").is_some() {
        let corpus = gen_stream::corpus_texts(&root().join("../shared/corpus/rendered"));
        let p = root().join("target/bench/stream-1024mb.yaml");
        if !p.exists() {
            std::fs::write(&p, gen_stream::generate(&corpus, 1024 * 1024 * 1024)).unwrap();
        }
        streams.push(("1 GB stream".to_string(), p));
    }
    let commands: [(&str, &[&str], &str); 6] = [
        ("inject", &["inject", "-q"], "0"),
        (
            "lint json",
            &["lint", "--format", "json", "--fail-on", "never"],
            "0",
        ),
        ("lint human", &["lint", "--fail-on", "never"], "0"),
        ("inject 1 thread", &["inject", "-q"], "1"),
        (
            "lint json 1 thread",
            &["lint", "--format", "json", "--fail-on", "never"],
            "1",
        ),
        (
            "lint json 2 threads",
            &["lint", "--format", "json", "--fail-on", "never"],
            "2",
        ),
    ];
    report.push_str("\n## Lint targets (paired runs, medians)\n\n| input | command | wall s | CPU s | peak RSS MB | RSS / input |\n|---|---|---:|---:|---:|---:|\n");
    for (name, path) in &streams {
        let bytes = std::fs::metadata(path).unwrap().len() as f64;
        // Five rounds but for 1 GB: ratios of medians near a target's
        // edge move by 0.1-0.2 between sittings on a shared machine.
        let rounds = if bytes > 5e8 { 1 } else { 5 };
        let mut runs: Vec<Vec<Run>> = vec![Vec::new(); commands.len()];
        for _ in 0..rounds {
            for (i, (_, args, threads)) in commands.iter().enumerate() {
                let mut c = Command::new(bin);
                c.args(*args);
                if *threads != "0" {
                    c.args(["--jobs", threads]);
                }
                runs[i].push(run_with_cpu(&mut c, path));
            }
        }
        let stat = |i: usize| {
            let s = summary(&runs[i]);
            (s.wall, s.cpu, s.peak_kb)
        };
        for (i, (label, _, _)) in commands.iter().enumerate() {
            let (wall, cpu, kb) = stat(i);
            report.push_str(&format!(
                "| {name} | {label} | {:.2} | {:.2} | {:.0} | {:.2} |\n",
                wall.as_secs_f64(),
                cpu.as_secs_f64(),
                kb as f64 / 1024.0,
                kb as f64 * 1024.0 / bytes
            ));
        }
        // Each target is the median of its ratio within each round: the
        // two runs of a round are made one after the other, so a slow
        // spell of a shared machine falls on both.
        let paired = |a: usize, b: usize, of: fn(&Run) -> Duration| {
            median_ratio(runs[a].iter().zip(&runs[b]).map(|(x, y)| (of(x), of(y))))
        };
        report.push_str(&format!(
            "| {name} | **human / json** | {:.2}x | {:.2}x | | |\n| {name} | **lint json / inject** | {:.2}x | {:.2}x | | |\n| {name} | **lint 1 → 2 threads** | {:.2}x | | | |\n",
            paired(2, 1, |r| r.wall),
            paired(2, 1, |r| r.cpu),
            paired(1, 0, |r| r.wall),
            paired(1, 0, |r| r.cpu),
            paired(4, 5, |r| r.wall),
        ));
    }
}

/// Peak memory on shapes far from a chart's: many tiny documents, many
/// small objects, documents of aliases just under the expansion cap.
/// Medians of 3 wall and CPU seconds, the highest peak, against the target
/// of 3x the input plus 20 MB.
fn memory_shapes(bin: &str, dir: &Path, report: &mut String) {
    type Shape = (&'static str, fn() -> String);
    let shapes: [Shape; 4] = [
        ("1M tiny documents (no kind)", || {
            (0..1_000_000).map(|i| format!("---\na: {i}\n")).collect()
        }),
        ("250k ConfigMaps, one key each", || {
            (0..250_000)
                .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: v\n"))
                .collect()
        }),
        ("250k Services (no kind any mode reads)", || {
            (0..250_000)
                .map(|i| format!("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\nspec:\n  ports: [{{port: 80}}]\n"))
                .collect()
        }),
        ("4,000 documents of aliases just under the cap", || {
            let mut doc = String::from("x:\n  a: &a [x, x, x, x, x, x, x, x, x]\n");
            let mut prev = 'a';
            for c in "bcdef".chars() {
                doc.push_str(&format!(
                    "  {c}: &{c} [{}]\n",
                    vec![format!("*{prev}"); 9].join(", ")
                ));
                prev = c;
            }
            (0..4_000)
                .map(|i| {
                    format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}}}\n{doc}")
                })
                .collect()
        }),
    ];
    // The doubling table's shapes at their largest: 50k `envFrom`
    // entries, 12.5k workloads with RBAC, 12.5k copies of a release.
    let sized = sized_shapes();
    let larger = [
        (&sized[3], 50_000),
        (&sized[4], 50_000),
        (&sized[5], 25_000),
    ];
    let mut texts: Vec<(String, Box<dyn Fn() -> String>)> = shapes
        .into_iter()
        .map(|(name, make)| (name.to_string(), Box::new(make) as Box<dyn Fn() -> String>))
        .collect();
    for &(&(name, make), n) in &larger {
        texts.push((format!("{name}, N = {n}"), Box::new(move || make(n))));
    }
    report.push_str("\n## Memory on many small documents (median of 3; target: peak ≤ 3x input + 20 MB)\n\n| shape | input MB | command | wall s | CPU s | peak RSS MB | target MB | held? |\n|---|---:|---|---:|---:|---:|---:|---|\n");
    for (name, make) in texts {
        let path = dir.join("shape.yaml");
        std::fs::write(&path, make()).unwrap();
        let mb = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
        for (label, args) in [
            ("inject", &["inject", "-q"][..]),
            ("graph", &["graph"][..]),
            (
                "lint json",
                &["lint", "--format", "json", "--fail-on", "never"][..],
            ),
        ] {
            let runs: Vec<Run> = (0..3)
                .map(|_| run_with_cpu(Command::new(bin).args(args), &path))
                .collect();
            let s = summary(&runs);
            let peak = s.peak_kb as f64 * 1024.0 / 1e6;
            let target = 3.0 * mb + 20.0;
            report.push_str(&format!(
                "| {name} | {mb:.1} | {label} | {:.2} | {:.2} | {peak:.0} | {target:.0} | {} |\n",
                s.wall.as_secs_f64(),
                s.cpu.as_secs_f64(),
                if peak <= target { "yes" } else { "no" }
            ));
        }
    }
}

/// Doubling: references, containers, objects and envFrom entries from
/// 6,250 to 50,000; lint's time for each size and its ratio to the size
/// before (linear is 2x).
/// A shape of input made for any size N, for the doubling table.
type Sized = (&'static str, fn(usize) -> String);

/// References, containers, objects, `envFrom` entries, RBAC and copies of
/// a release, each N of them.
fn sized_shapes() -> [Sized; 6] {
    [
        ("configMapKeyRefs in one container", |n| {
            let mut s =
                String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n");
            for k in 0..1000 {
                s.push_str(&format!("  k{k}: v\n"));
            }
            s.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n        env:\n");
            for i in 0..n {
                s.push_str(&format!("        - {{name: E{i}, valueFrom: {{configMapKeyRef: {{name: big, key: k{}}}}}}}\n", i % 1500));
            }
            s
        }),
        ("containers in one pod", |n| {
            let mut s = String::from(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {A: b}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n",
            );
            for i in 0..n {
                s.push_str(&format!(
                    "      - {{name: c{i}, image: x, envFrom: [{{configMapRef: {{name: cm}}}}]}}\n"
                ));
            }
            s
        }),
        ("objects (a ConfigMap and its Deployment)", |n| {
            let mut s = String::new();
            for i in 0..n / 2 {
                s.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{A: b}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}}}\nspec:\n  template:\n    spec:\n      containers: [{{name: c, image: x, envFrom: [{{configMapRef: {{name: c{i}}}}}]}}]\n"));
            }
            s
        }),
        ("envFrom entries in one container", |n| {
            let mut s = String::new();
            for i in 0..n {
                s.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{A{i}: b}}\n"));
            }
            s.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n        envFrom:\n");
            for i in 0..n {
                s.push_str(&format!("        - configMapRef: {{name: c{i}}}\n"));
            }
            s
        }),
        // RBAC is followed from each workload's ServiceAccount.
        (
            "workloads, each with a ServiceAccount, Role and RoleBinding",
            |n| {
                let mut s = String::new();
                for i in 0..n / 4 {
                    s.push_str(&format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r{i}}}\nrules: [{{apiGroups: [''], resources: [secrets], verbs: [get], resourceNames: [s{i}]}}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: b{i}}}\nroleRef: {{kind: Role, name: r{i}}}\nsubjects: [{{kind: ServiceAccount, name: sa{i}}}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: sa{i}}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}}}\nspec:\n  template:\n    spec:\n      serviceAccountName: sa{i}\n      containers: [{{name: c, image: x, env: [{{name: T, valueFrom: {{secretKeyRef: {{name: s{i}, key: t}}}}}}]}}]\n"));
                }
                s
            },
        ),
        // One release copied into many namespaces: the same names, a
        // missing Secret each copy's hook names.
        ("copies of a release in namespaces", |n| {
            let mut s = String::new();
            for i in 0..n / 2 {
                s.push_str(&format!("---\napiVersion: batch/v1\nkind: Job\nmetadata: {{name: init, namespace: ns{i}}}\nspec:\n  template:\n    spec:\n      containers: [{{name: c, image: x, args: [--create=token]}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app, namespace: ns{i}}}\nspec:\n  template:\n    spec:\n      containers: [{{name: c, image: x, args: [--secret=token], envFrom: [{{secretRef: {{name: missing}}}}]}}]\n"));
            }
            s
        }),
    ]
}

fn doubling(bin: &str, dir: &Path, report: &mut String) {
    let shapes = sized_shapes();
    // Eleven rounds: at 6,250 a run takes under 0.1 CPU s, and a median
    // of seven still moved a ratio by a tenth between sittings.
    const RUNS: usize = 11;
    const SIZES: [usize; 4] = [6_250, 12_500, 25_000, 50_000];
    // CPU seconds of a 0.1 s run vary by a tenth on a shared machine;
    // instructions counted by callgrind do not vary at all. Opt in: it
    // takes about ten minutes more.
    let valgrind =
        std::env::var_os("BENCH_INSTRUCTIONS").and_then(|_| which::which("valgrind").ok());
    report.push_str(&format!("\n## Doubling (lint --format json, median of {RUNS} wall and CPU seconds, the sizes of a shape run in turn; a step is the median of its ratio within each round; instructions by callgrind with `BENCH_INSTRUCTIONS=1`)\n\n| shape | N | wall s | CPU s | CPU vs N/2 | instructions | instructions vs N/2 |\n|---|---:|---:|---:|---:|---:|---:|\n"));
    for (name, make) in shapes {
        let paths: Vec<PathBuf> = SIZES
            .iter()
            .map(|n| {
                let path = dir.join(format!("doubling-{n}.yaml"));
                std::fs::write(&path, make(*n)).unwrap();
                path
            })
            .collect();
        // Each round runs every size once: a shared machine's slow spell
        // falls on all sizes alike, not on one.
        let mut runs: Vec<Vec<Run>> = vec![Vec::new(); SIZES.len()];
        for _ in 0..RUNS {
            for (path, runs) in paths.iter().zip(&mut runs) {
                let mut c = Command::new(bin);
                c.args(["lint", "--format", "json", "--fail-on", "never"]);
                runs.push(run_with_cpu(&mut c, path));
            }
        }
        let mut previous: Option<(&Vec<Run>, Option<u64>)> = None;
        for ((n, runs), path) in SIZES.iter().zip(&runs).zip(&paths) {
            let Run { wall, cpu, .. } = summary(runs);
            let instructions = valgrind.as_deref().map(|v| instructions(v, bin, path));
            let ratio = |now: f64, before: f64| format!("{:.2}x", now / before);
            // The step is the median of its ratio within each round (the
            // sizes of a round run one after the other).
            let (cpu_ratio, instructions_ratio) = match previous {
                Some((before, pi)) => (
                    format!(
                        "{:.2}x",
                        median_ratio(runs.iter().zip(before).map(|(r, b)| (r.cpu, b.cpu)))
                    ),
                    pi.zip(instructions)
                        .map(|(a, b)| ratio(b as f64, a as f64))
                        .unwrap_or_default(),
                ),
                None => Default::default(),
            };
            report.push_str(&format!(
                "| {name} | {n} | {:.3} | {:.2} | {cpu_ratio} | {} | {instructions_ratio} |\n",
                wall.as_secs_f64(),
                cpu.as_secs_f64(),
                instructions.map_or_else(|| "-".to_string(), |i| i.to_string()),
            ));
            previous = Some((runs, instructions));
        }
    }
}
