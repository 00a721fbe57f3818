//! The retry loop on tokio's paused clock: what is retried, how long it waits, what it counts.

use std::sync::Mutex;
use std::time::Duration;

use cin7_sparklayer_http::{Jitter, Outcome, Request, RequestKind, Resend, Retrier, RetryPolicy};
use tokio::time::Instant;

fn retrier(policy: RetryPolicy) -> Retrier {
    Retrier::new("Test", policy, Jitter::fixed(1.0))
}

/// Plays a script of outcomes, one per attempt, recording when each attempt started.
async fn play(
    r: &Retrier,
    request: Request<'_>,
    script: Vec<Outcome<&'static str, String>>,
) -> (Result<&'static str, String>, Vec<Duration>, Vec<bool>) {
    let start = Instant::now();
    let script = Mutex::new(script.into_iter());
    let seen = Mutex::new(Vec::new());
    let result = r
        .run(request, |attempt| {
            seen.lock()
                .unwrap()
                .push((start.elapsed(), attempt.after_unauthorized));
            let next = script.lock().unwrap().next().expect("script too short");
            async move { next }
        })
        .await;
    let seen = seen.into_inner().unwrap();
    (
        result,
        seen.iter().map(|s| s.0).collect(),
        seen.iter().map(|s| s.1).collect(),
    )
}

#[tokio::test(start_paused = true)]
async fn transient_failures_back_off_exponentially_then_succeed() {
    let r = retrier(RetryPolicy::default());
    let (result, at, _) = play(
        &r,
        Request::read("get"),
        vec![
            Outcome::Transient("502".into()),
            Outcome::NotSent("refused".into()),
            Outcome::Done("ok"),
        ],
    )
    .await;
    assert_eq!(result, Ok("ok"));
    assert_eq!(
        at,
        [
            Duration::ZERO,
            Duration::from_millis(500),
            Duration::from_millis(1500)
        ]
    );
    let c = r.counts();
    assert_eq!((c.reads, c.writes, c.retried, c.throttled), (3, 0, 2, 0));
}

#[tokio::test(start_paused = true)]
async fn throttling_honours_the_server_hint_and_counts_as_throttled() {
    let r = retrier(RetryPolicy::default());
    let (result, at, _) = play(
        &r,
        Request::write("patch", Resend::Always),
        vec![
            Outcome::Throttled {
                error: "429".into(),
                wait: Some(Duration::from_secs(7)),
            },
            Outcome::Throttled {
                error: "429".into(),
                wait: Some(Duration::from_secs(100_000)),
            },
            Outcome::Done("ok"),
        ],
    )
    .await;
    assert_eq!(result, Ok("ok"));
    assert_eq!(at[1], Duration::from_secs(7));
    assert_eq!(
        at[2],
        Duration::from_secs(7 + 300),
        "capped at max_server_wait"
    );
    let c = r.counts();
    assert_eq!((c.reads, c.writes, c.throttled, c.retried), (0, 3, 2, 0));
}

#[tokio::test(start_paused = true)]
async fn a_throttle_pause_holds_back_every_caller_of_the_client() {
    let r = retrier(RetryPolicy::default());
    let wait = Duration::from_secs(20);
    let first = play(
        &r,
        Request::read("a"),
        vec![
            Outcome::Throttled {
                error: "503".into(),
                wait: Some(wait),
            },
            Outcome::Done("a"),
        ],
    );
    let second = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let started = Instant::now();
        let out = r
            .run(Request::read("b"), |_| async {
                Outcome::<_, String>::Done(())
            })
            .await;
        (out, started.elapsed())
    };
    let ((result, _, _), (other, waited)) = tokio::join!(first, second);
    assert_eq!(result, Ok("a"));
    assert_eq!(other, Ok(()));
    assert_eq!(waited, wait - Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn fatal_answers_and_unresendable_writes_are_not_retried() {
    let r = retrier(RetryPolicy::default());
    let (result, at, _) = play(&r, Request::read("get"), vec![Outcome::Fatal("403".into())]).await;
    assert_eq!((result, at.len()), (Err("403".to_owned()), 1));
    let (result, at, _) = play(
        &r,
        Request::write("invite", Resend::OnlyIfNotRun),
        vec![Outcome::Transient("500".into())],
    )
    .await;
    assert_eq!((result, at.len()), (Err("500".to_owned()), 1));
    // A write that did not run (throttled, refused connection) is sent again.
    let (result, _, _) = play(
        &r,
        Request::write("invite", Resend::OnlyIfNotRun),
        vec![Outcome::NotSent("refused".into()), Outcome::Done("sent")],
    )
    .await;
    assert_eq!(result, Ok("sent"));
    assert_eq!(r.counts().retried, 1);
}

#[tokio::test(start_paused = true)]
async fn attempts_run_out_with_the_last_error() {
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let r = retrier(policy);
    let script = (1..=3)
        .map(|n| Outcome::Transient(format!("502 #{n}")))
        .collect();
    let (result, at, _) = play(&r, Request::read("get"), script).await;
    assert_eq!(result, Err("502 #3".to_owned()));
    assert_eq!(at.len(), 3);
    let r = retrier(RetryPolicy::none());
    let throttled = vec![Outcome::Throttled {
        error: "429".into(),
        wait: None,
    }];
    let (result, _, _) = play(&r, Request::read("get"), throttled).await;
    assert_eq!(result, Err("429".to_owned()));
    assert_eq!(r.counts().throttled, 1);
}

#[tokio::test(start_paused = true)]
async fn a_401_is_retried_once_at_once_with_a_fresh_token() {
    let r = retrier(RetryPolicy::default());
    let (result, at, renewed) = play(
        &r,
        Request::read("get"),
        vec![Outcome::Unauthorized("401".into()), Outcome::Done("ok")],
    )
    .await;
    assert_eq!(result, Ok("ok"));
    assert_eq!(at, [Duration::ZERO, Duration::ZERO]);
    assert_eq!(renewed, [false, true]);
    let (result, at, _) = play(
        &r,
        Request::read("get"),
        vec![
            Outcome::Unauthorized("401".into()),
            Outcome::Unauthorized("401 again".into()),
        ],
    )
    .await;
    assert_eq!((result, at.len()), (Err("401 again".to_owned()), 2));
    let c = r.counts();
    assert_eq!((c.reads, c.retried), (4, 0));
}

#[tokio::test(start_paused = true)]
async fn seeded_jitter_gives_the_same_waits_twice() {
    let waits = |seed| async move {
        let r = Retrier::new("Test", RetryPolicy::default(), Jitter::seeded(seed));
        let script = vec![
            Outcome::Transient("a".into()),
            Outcome::Transient("b".into()),
            Outcome::Done("ok"),
        ];
        play(&r, Request::read("get"), script).await.1
    };
    let a = waits(42).await;
    assert_eq!(a, waits(42).await);
    assert!(a[1] >= Duration::from_millis(250) && a[1] <= Duration::from_millis(500));
    let _ = RequestKind::Read;
}

#[tokio::test(start_paused = true)]
async fn an_attempt_aborted_before_sending_is_final_and_not_counted() {
    let r = retrier(RetryPolicy::default());
    let (result, at, _) = play(
        &r,
        Request::read("get"),
        vec![Outcome::Aborted("no token".into())],
    )
    .await;
    assert_eq!((result, at.len()), (Err("no token".to_owned()), 1));
    let c = r.counts();
    assert_eq!((c.reads, c.writes, c.retried, c.throttled), (0, 0, 0, 0));
}
