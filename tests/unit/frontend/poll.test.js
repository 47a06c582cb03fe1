import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { POLL_SCHEDULE, createPoller, delaySequence, nextDelay, restingDelay } from '../../../frontend/js/poll.js';

/** A clock whose timers run only when the test advances it. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map();
  const flush = async () => {
    for (let i = 0; i < 10; i += 1) await Promise.resolve();
  };
  return {
    timers: {
      setTimeout(fn, ms) {
        const id = nextId++;
        timers.set(id, { at: now + Math.max(0, ms), fn });
        return id;
      },
      clearTimeout(id) {
        timers.delete(id);
      },
    },
    get now() {
      return now;
    },
    pending() {
      return [...timers.values()].map((timer) => timer.at - now).sort((a, b) => a - b);
    },
    /** Move time forward, running each timer that comes due (and the promises it starts). */
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await flush();
      }
      now = end;
      await flush();
    },
    flush,
  };
}

/** A loader answering with the views given, and recording when it was called and how often at once. */
function scriptedLoader(clock, views) {
  const calls = [];
  let running = 0;
  let maxRunning = 0;
  let index = 0;
  const load = async (signal) => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    calls.push({ at: clock.now, signal });
    try {
      const view = views[Math.min(index, views.length - 1)];
      index += 1;
      if (view instanceof Error) throw view;
      return view;
    } finally {
      running -= 1;
    }
  };
  return { load, calls, get maxRunning() { return maxRunning; } };
}

const view = (status, progress) => ({ status, progress });
const isFinal = (v) => ['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(v.status);

describe('nextDelay and delaySequence', () => {
  it('backs off by 1.5 up to 10 s while nothing changes', () => {
    assert.deepEqual(delaySequence([false, false, false, false, false, false]), [
      2000, 3000, 4500, 6750, 10000, 10000, 10000,
    ]);
  });

  it('goes back to 2 s as soon as something changes', () => {
    assert.deepEqual(delaySequence([false, false, true, false]), [2000, 3000, 4500, 2000, 3000]);
    assert.equal(nextDelay(10000, true), POLL_SCHEDULE.min);
  });

  it('never goes below the minimum or above the maximum', () => {
    assert.equal(nextDelay(0, false), 3000);
    assert.equal(nextDelay(9000, false), 10000);
    assert.equal(nextDelay(500, false, { ...POLL_SCHEDULE, factor: 2 }), 2000);
  });
});

describe('createPoller', () => {
  it('polls first after 2 s and stops at a final state', async () => {
    const clock = fakeClock();
    const loader = scriptedLoader(clock, [view('processing', 10), view('processing', 50), view('completed', 100)]);
    const updates = [];
    let finals = 0;
    const poller = createPoller({
      load: loader.load,
      isFinal,
      fingerprint: (v) => `${v.status}|${v.progress}`,
      onUpdate: (v, changed) => updates.push([v.progress, changed]),
      onFinal: () => {
        finals += 1;
      },
      timers: clock.timers,
    });
    poller.start();
    await clock.advance(1999);
    assert.equal(loader.calls.length, 0);
    await clock.advance(1);
    assert.equal(loader.calls.length, 1);
    await clock.advance(60_000);
    assert.deepEqual(
      loader.calls.map((call) => call.at),
      [2000, 4000, 6000],
    );
    assert.deepEqual(updates, [
      [10, true],
      [50, true],
      [100, true],
    ]);
    assert.equal(finals, 1);
    assert.equal(poller.running, false);
    assert.deepEqual(clock.pending(), []);
  });

  it('backs off while nothing changes and resets when something does', async () => {
    const clock = fakeClock();
    const same = view('processing', 20);
    const loader = scriptedLoader(clock, [same, same, same, same, view('processing', 60), same, view('completed', 100)]);
    const poller = createPoller({
      load: loader.load,
      isFinal,
      fingerprint: (v) => `${v.status}|${v.progress}`,
      timers: clock.timers,
    });
    poller.start();
    await clock.advance(120_000);
    const times = loader.calls.map((call) => call.at);
    const gaps = times.slice(1).map((at, i) => at - times[i]);
    // first answer is new (2 s), then unchanged ×3 (3, 4.5, 6.75 s), a change (2 s), the old value again
    // counts as a change too (2 s), then final.
    assert.deepEqual(gaps, [2000, 3000, 4500, 6750, 2000, 2000]);
    assert.equal(poller.running, false);
  });

  it('takes a view the caller already has as the starting point', async () => {
    const clock = fakeClock();
    const known = view('processing', 30);
    const loader = scriptedLoader(clock, [known, view('completed', 100)]);
    const changes = [];
    const poller = createPoller({
      load: loader.load,
      isFinal,
      fingerprint: (v) => `${v.status}|${v.progress}`,
      onUpdate: (_, changed) => changes.push(changed),
      timers: clock.timers,
    });
    poller.start(known);
    await clock.advance(2000);
    assert.deepEqual(changes, [false]);
    assert.deepEqual(clock.pending(), [3000]);
  });

  it('does not start for a view that is already final', () => {
    const clock = fakeClock();
    const poller = createPoller({ load: async () => view('completed', 100), isFinal, timers: clock.timers });
    poller.start(view('completed', 100));
    assert.equal(poller.running, false);
    assert.deepEqual(clock.pending(), []);
  });

  it('never has two requests in flight, even when kicked meanwhile', async () => {
    const clock = fakeClock();
    let release;
    let calls = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const poller = createPoller({
      load: () => {
        calls += 1;
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise((resolve) => {
          release = () => {
            inFlight -= 1;
            resolve(view('processing', calls));
          };
        });
      },
      isFinal,
      fingerprint: (v) => String(v.progress),
      timers: clock.timers,
    });
    poller.start();
    await clock.advance(2000);
    assert.equal(calls, 1);
    poller.kick();
    poller.kick();
    await clock.advance(30_000); // the answer has not come: nothing else may be sent
    assert.equal(calls, 1);
    assert.deepEqual(clock.pending(), []);
    release();
    await clock.flush();
    assert.deepEqual(clock.pending(), [0]); // kicked: the next poll follows at once
    await clock.advance(0);
    assert.equal(calls, 2);
    assert.equal(maxInFlight, 1);
    poller.stop();
  });

  it('kick polls now and resets the back-off', async () => {
    const clock = fakeClock();
    const same = view('processing', 5);
    const loader = scriptedLoader(clock, [same, same, same, same]);
    const poller = createPoller({ load: loader.load, isFinal, fingerprint: (v) => v.progress, timers: clock.timers });
    poller.start();
    await clock.advance(9500); // polls at 2 s (new), 4 s and 7 s (unchanged): waiting 4.5 s now
    assert.equal(loader.calls.length, 3);
    assert.equal(poller.delay, 4500);
    poller.kick();
    await clock.advance(0);
    assert.equal(loader.calls.length, 4);
    assert.equal(poller.delay, 3000); // back-off starts again from the minimum
    poller.stop();
  });

  it('reports errors, backs off, and goes on', async () => {
    const clock = fakeClock();
    const failure = Object.assign(new Error('Cannot reach the server.'), { status: 0 });
    const loader = scriptedLoader(clock, [failure, failure, view('completed', 100)]);
    const errors = [];
    const poller = createPoller({
      load: loader.load,
      isFinal,
      onError: (error) => errors.push(error.message),
      timers: clock.timers,
    });
    poller.start();
    await clock.advance(60_000);
    assert.deepEqual(errors, ['Cannot reach the server.', 'Cannot reach the server.']);
    assert.deepEqual(
      loader.calls.map((call) => call.at),
      [2000, 5000, 9500],
    );
    assert.equal(poller.running, false);
  });

  it('stops for good on a fatal error', async () => {
    const clock = fakeClock();
    const gone = Object.assign(new Error('There is no such upload.'), { status: 404 });
    const loader = scriptedLoader(clock, [gone, view('processing', 1)]);
    const poller = createPoller({
      load: loader.load,
      isFinal,
      isFatal: (error) => error.status === 404,
      timers: clock.timers,
    });
    poller.start();
    await clock.advance(60_000);
    assert.equal(loader.calls.length, 1);
    assert.equal(poller.running, false);
  });

  it('stop aborts the request in flight and ignores its answer', async () => {
    const clock = fakeClock();
    let resolveLoad;
    let signal;
    const updates = [];
    const poller = createPoller({
      load: (s) => {
        signal = s;
        return new Promise((resolve) => {
          resolveLoad = resolve;
        });
      },
      isFinal,
      onUpdate: (v) => updates.push(v),
      timers: clock.timers,
    });
    poller.start();
    await clock.advance(2000);
    poller.stop();
    assert.equal(signal.aborted, true);
    resolveLoad(view('processing', 50));
    await clock.advance(60_000);
    assert.deepEqual(updates, []);
    assert.deepEqual(clock.pending(), []);
  });
});

describe('a resting state (columns awaiting review)', () => {
  const isResting = (v) => v.status === 'needs_review';
  const gapsOf = (loader) => {
    const times = loader.calls.map((call) => call.at);
    return times.slice(1).map((at, i) => at - times[i]);
  };

  it('waits 30 s between polls, at least the back-off maximum', () => {
    assert.equal(restingDelay(), 30_000);
    assert.equal(restingDelay({ ...POLL_SCHEDULE, resting: 1000 }), POLL_SCHEDULE.max);
    assert.equal(restingDelay({ first: 1, min: 1, max: 5000, factor: 2 }), 5000);
  });

  it('polls slowly while resting, and closely again once it moves on', async () => {
    const clock = fakeClock();
    const resting = view('needs_review', 0);
    const loader = scriptedLoader(clock, [
      view('uploaded', 0),
      resting,
      resting,
      resting,
      view('uploaded', 0),
      view('processing', 50),
      view('completed', 100),
    ]);
    const poller = createPoller({
      load: loader.load,
      isFinal,
      isResting,
      fingerprint: (v) => `${v.status}|${v.progress}`,
      timers: clock.timers,
    });
    poller.start();
    await clock.advance(300_000);
    assert.deepEqual(gapsOf(loader), [2000, 30_000, 30_000, 30_000, 2000, 2000]);
    assert.equal(poller.running, false);
  });

  it('starts slowly from a view that already rests, and a kick still polls at once', async () => {
    const clock = fakeClock();
    const resting = view('needs_review', 0);
    const loader = scriptedLoader(clock, [resting, view('uploaded', 0), view('uploaded', 0)]);
    const poller = createPoller({
      load: loader.load,
      isFinal,
      isResting,
      fingerprint: (v) => `${v.status}|${v.progress}`,
      timers: clock.timers,
    });
    poller.start(resting);
    assert.deepEqual(clock.pending(), [30_000]);
    await clock.advance(30_000);
    assert.equal(loader.calls.length, 1);
    assert.deepEqual(clock.pending(), [30_000]);
    await clock.advance(5000);
    poller.kick(); // the import was started from the review panel
    await clock.advance(0);
    assert.equal(loader.calls.length, 2);
    assert.deepEqual(clock.pending(), [POLL_SCHEDULE.min]);
    poller.stop();
  });
});
