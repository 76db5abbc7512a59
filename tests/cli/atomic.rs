//! `inject --write` is all-or-nothing per file: a process killed at any
//! moment leaves every file either as it was or fully rewritten.

use std::time::Duration;

use crate::common::*;

#[test]
fn killed_between_writes_every_file_is_old_or_new() {
    let old = std::fs::read_to_string(fixture("inject/annotations-forms.yaml")).unwrap();
    let new = stdout(
        &confsum()
            .arg("inject")
            .arg(fixture("inject/annotations-forms.yaml"))
            .output()
            .unwrap(),
    );
    assert_ne!(old, new);
    let files = 300;
    // Kill after a range of delays, from before the first write to after the last.
    let full = {
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..files {
            std::fs::write(tmp.path().join(format!("m{i:03}.yaml")), &old).unwrap();
        }
        let started = std::time::Instant::now();
        let out = confsum()
            .args(["inject", "--write", "-q"])
            .arg(tmp.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        started.elapsed()
    };
    let mut saw = [0usize; 2];
    for step in 0..12u32 {
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..files {
            std::fs::write(tmp.path().join(format!("m{i:03}.yaml")), &old).unwrap();
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_confsum"))
            .args(["inject", "--write", "-q"])
            .arg(tmp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(f64::from(step) / 10.0) + Duration::from_micros(200));
        let _ = child.kill();
        let _ = child.wait();
        for entry in std::fs::read_dir(tmp.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with(".confsum-") {
                continue; // a temp file the kill left behind; never a target
            }
            let text = std::fs::read_to_string(&path).unwrap();
            if text == old {
                saw[0] += 1;
            } else if text == new {
                saw[1] += 1;
            } else {
                panic!("{name} is neither the old nor the new content after a kill at step {step}");
            }
        }
    }
    assert_eq!(saw[0] + saw[1], 12 * files);
}
