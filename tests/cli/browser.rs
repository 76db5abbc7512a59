//! Pictures checked in a real browser: `graph --format svg` and the mermaid
//! diagram of `plan --format markdown`, rendered by headless Chromium
//! (Debian's `chromium`, which `.ci/run` installs). Mermaid comes from npm
//! when the test runs, into `target/`; it is never vendored.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::integrations::{client, run};

/// Headless Chromium on a local page, its scripts given time to run.
fn chromium(page: &Path, output: &str) -> std::process::Output {
    run(Command::new(client("CONFSUM_TEST_CHROMIUM", "chromium"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            "--virtual-time-budget=20000",
            "--window-size=1100,760",
        ])
        .arg(output)
        .arg(format!("file://{}", page.display())))
}

/// The page's `<pre id="result">` once its script has run, as JSON.
fn rendered_result(page: &Path) -> serde_json::Value {
    let out = chromium(page, "--dump-dom");
    let dom = stdout(&out);
    let start = dom
        .find("<pre id=\"result\">")
        .unwrap_or_else(|| panic!("no result in the page: {dom}"))
        + "<pre id=\"result\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A script that reports every text of the pictures in `#pic`: what it
/// says and whether it overlaps another.
const MEASURE: &str = r#"
function measure() {
  const texts = [...document.querySelectorAll('#pic svg text, #pic svg foreignObject span')]
    .filter(t => t.textContent.trim() !== '')
    .map(t => { const b = t.getBoundingClientRect(); return {s: t.textContent.trim(), x: b.x, y: b.y, w: b.width, h: b.height}; });
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const a = texts[i], b = texts[j];
    if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) overlaps.push([a.s, b.s]);
  }
  document.getElementById('result').textContent = JSON.stringify({labels: texts.map(t => t.s), overlaps});
}
"#;

/// Forty workloads reading ten shared ConfigMaps and ten Secrets.
fn forty_workloads() -> String {
    let mut docs = Vec::new();
    for i in 0..10 {
        docs.push(format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: shared-{i}}}\ndata: {{A: b, B: c}}\n"
        ));
        docs.push(format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: creds-{i}}}\nstringData: {{password: x}}\n"
        ));
    }
    for w in 0..40 {
        let kind = ["Deployment", "StatefulSet", "DaemonSet"][w % 3];
        docs.push(format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: app-{w}}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n        envFrom: [{{configMapRef: {{name: shared-{}}}}}]\n        env:\n        - name: P\n          valueFrom: {{secretKeyRef: {{name: creds-{}, key: password}}}}\n",
            w % 10,
            (w * 3) % 10
        ));
    }
    docs.join("---\n")
}

#[test]
#[cfg_attr(
    not(has_chromium),
    ignore = "needs chromium and npm: set CONFSUM_TEST_CHROMIUM or put chromium on PATH (.ci/run installs Debian's)"
)]
fn graph_svg_is_readable_in_a_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("forty.yaml");
    std::fs::write(&input, forty_workloads()).unwrap();
    let out = confsum()
        .args(["graph", "--format", "svg"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = stdout(&out);
    // Secrets are drawn apart from ConfigMaps.
    assert!(svg.contains("#fce8e6") && svg.contains("#e6f4ea"));
    let body = &svg[svg.find("<svg").expect("an svg element")..];
    let page = tmp.path().join("graph.html");
    std::fs::write(
        &page,
        format!(
            "<!doctype html><html><body><div id=\"pic\">{body}</div><pre id=\"result\">pending</pre><script>{MEASURE}\nmeasure();</script></body></html>"
        ),
    )
    .unwrap();
    let result = rendered_result(&page);
    let labels: Vec<&str> = result["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    for expected in [
        "Deployment/app-0",
        "StatefulSet/app-1",
        "DaemonSet/app-2",
        "ConfigMap/shared-9",
        "Secret/creds-3",
        "env: password",
    ] {
        assert!(labels.contains(&expected), "`{expected}` in {labels:?}");
    }
    assert_eq!(
        result["overlaps"],
        serde_json::json!([]),
        "no label overlaps another"
    );
}

/// Mermaid from npm, in `target/`, on first use.
fn mermaid_js() -> PathBuf {
    let prefix = root().join("target/browser-npm");
    let js = prefix.join("node_modules/mermaid/dist/mermaid.min.js");
    if !js.is_file() {
        let out = run(Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg("mermaid@11.12.1"));
        assert!(
            out.status.success(),
            "npm install mermaid: {}",
            stderr(&out)
        );
    }
    js
}

#[test]
#[cfg_attr(
    not(has_chromium),
    ignore = "needs chromium and npm: set CONFSUM_TEST_CHROMIUM or put chromium on PATH (.ci/run installs Debian's)"
)]
fn plan_mermaid_diagram_renders_in_a_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let old = fixture("example/app.yaml");
    let text = std::fs::read_to_string(&old).unwrap();
    let new = tmp.path().join("new.yaml");
    std::fs::write(
        &new,
        text.replace("LOG_LEVEL: info", "LOG_LEVEL: debug")
            .replace("password: czNjcjN0", "password: bmV3LXBhc3M="),
    )
    .unwrap();
    let code = plan_mermaid(&old, &new);
    let page = tmp.path().join("plan.html");
    std::fs::write(
        &page,
        format!(
            "<!doctype html><html><body><div id=\"pic\"></div><pre id=\"result\">pending</pre>
<script src=\"file://{}\"></script>
<script type=\"text/plain\" id=\"code\">{code}</script>
<script>{MEASURE}
mermaid.initialize({{startOnLoad: false}});
mermaid.render('plan', document.getElementById('code').textContent)
  .then(r => {{ document.getElementById('pic').innerHTML = r.svg; measure(); }})
  .catch(e => {{ document.getElementById('result').textContent = JSON.stringify({{error: String(e)}}); }});
</script></body></html>",
            mermaid_js().display()
        ),
    )
    .unwrap();
    let result = rendered_result(&page);
    assert!(result.get("error").is_none(), "mermaid: {result}");
    let labels = result["labels"].to_string();
    for expected in [
        "Deployment demo/demo-api",
        "ConfigMap demo/demo-config",
        "LOG_LEVEL",
        "Secret demo/demo-db",
        "rolls",
    ] {
        assert!(labels.contains(expected), "`{expected}` in {labels}");
    }
    assert!(!labels.contains("bmV3LXBhc3M="), "no value");
}

/// The job summary of the Action's plan on a pull request, as GitHub shows
/// it (markdown, and the mermaid diagram drawn), screenshot in Chromium:
/// `docs/images/plan-summary.png`, which the README shows, is this test's
/// picture (`CONFSUM_BLESS=1` writes it again).
#[test]
#[cfg_attr(
    not(all(has_chromium, has_helm)),
    ignore = "needs chromium, npm and helm: set CONFSUM_TEST_CHROMIUM and CONFSUM_TEST_HELM or put them on PATH (.ci/run installs them)"
)]
fn the_readme_shows_a_real_plan_summary() {
    use crate::integrations::{pull_request_env, pull_request_repo, run_action_with};
    let helm = client("CONFSUM_TEST_HELM", "helm");
    let (tmp, event) = pull_request_repo();
    let ws = tmp.path();
    let pr = pull_request_env(&event, &helm);
    let r = run_action_with(
        ws,
        &[
            ("paths", "deploy chart"),
            ("plan", "true"),
            ("fail-on", "never"),
        ],
        &pr,
    );
    let summary = r.summary;
    // The plan's part of the summary (the lint step writes its own first).
    let summary = &summary[summary
        .find("### confsum plan")
        .expect("a plan in the summary")..];
    // GitHub's rendering: markdown to HTML, mermaid blocks drawn.
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new_ext(summary, pulldown_cmark::Options::ENABLE_TABLES),
    );
    let html = html
        .replace(
            "<pre><code class=\"language-mermaid\">",
            "<pre class=\"mermaid\">",
        )
        .replace("</code></pre>", "</pre>");
    let page = ws.join("summary.html");
    std::fs::write(
        &page,
        format!(
            "<!doctype html><html><head><style>body{{font-family:sans-serif;margin:24px;max-width:960px}}table{{border-collapse:collapse}}td,th{{border:1px solid #d0d7de;padding:6px 12px}}#result{{display:none}}</style></head><body><div id=\"pic\">{html}</div><pre id=\"result\">pending</pre>
<script src=\"file://{}\"></script>
<script>{MEASURE}
mermaid.initialize({{startOnLoad: false}});
mermaid.run({{querySelector: '.mermaid'}}).then(measure);
</script></body></html>",
            mermaid_js().display()
        ),
    )
    .unwrap();
    let result = rendered_result(&page);
    let labels = result["labels"].to_string();
    assert!(labels.contains("Deployment demo/demo-api"), "{labels}");
    let picture = ws.join("plan-summary.png");
    let out = chromium(&page, &format!("--screenshot={}", picture.display()));
    assert!(out.status.success(), "{}", stderr(&out));
    let png = std::fs::read(&picture).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG picture");
    let committed = root().join("docs/images/plan-summary.png");
    if std::env::var_os("CONFSUM_BLESS").is_some() {
        std::fs::create_dir_all(committed.parent().unwrap()).unwrap();
        std::fs::write(&committed, &png).unwrap();
    }
    assert!(
        committed.is_file(),
        "the README's picture is there: CONFSUM_BLESS=1 writes it"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("docs/images/plan-summary.png"));
}
