// Polling an upload's status: the back-off schedule and a poll loop with injectable timers.
// Pure: no DOM; the timers and the loader come from the caller (a fake clock in the tests).

// `resting`: the wait while the upload rests in a state only a person ends (its columns await review).
export const POLL_SCHEDULE = Object.freeze({ first: 2000, min: 2000, max: 10000, factor: 1.5, resting: 30000 });

/** The wait before the next poll: back to `min` after a change, else `factor` times longer up to `max`. */
export function nextDelay(previous, changed, schedule = POLL_SCHEDULE) {
  if (changed) return schedule.min;
  const grown = Math.round((Number(previous) || schedule.min) * schedule.factor);
  return Math.min(schedule.max, Math.max(schedule.min, grown));
}

/** The waits a poll loop takes for a series of answers (true: the answer changed something). */
export function delaySequence(changes, schedule = POLL_SCHEDULE) {
  const delays = [schedule.first];
  let delay = schedule.first;
  for (const changed of changes) {
    delay = nextDelay(delay, changed, schedule);
    delays.push(delay);
  }
  return delays;
}

const defaultTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id),
};

/** The wait while a view rests (`schedule.resting`, at least the back-off's maximum). */
export function restingDelay(schedule = POLL_SCHEDULE) {
  return Math.max(schedule.max, Number(schedule.resting) || 0);
}

/**
 * One poll loop. `load(signal)` fetches the current view; `onUpdate(view, changed)` gets every answer;
 * `onError(error)` every failure (the loop backs off and goes on unless `isFatal(error)`); the loop ends
 * by itself once `isFinal(view)`. While `isResting(view)` (nothing moves until someone acts) it polls
 * only every `schedule.resting`; a change brings the usual back-off back. Requests never overlap: the
 * next one is only scheduled after an answer.
 */
export function createPoller({
  load,
  fingerprint = (view) => JSON.stringify(view),
  isFinal = () => false,
  onUpdate = () => {},
  onError = () => {},
  onFinal = () => {},
  isFatal = () => false,
  isResting = () => false,
  schedule = POLL_SCHEDULE,
  timers = defaultTimers,
}) {
  let timer = null;
  let controller = null;
  let inFlight = false;
  let stopped = true;
  let kicked = false;
  let delay = schedule.first;
  let last;

  function wait(ms) {
    if (timer !== null) timers.clearTimeout(timer);
    timer = timers.setTimeout(tick, ms);
  }

  function finish() {
    stopped = true;
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  }

  async function tick() {
    timer = null;
    if (stopped || inFlight) return;
    inFlight = true;
    kicked = false;
    controller = typeof AbortController === 'function' ? new AbortController() : null;
    let view;
    try {
      view = await load(controller ? controller.signal : undefined);
    } catch (error) {
      inFlight = false;
      if (stopped || (error && error.name === 'AbortError')) return;
      onError(error);
      if (isFatal(error)) {
        finish();
        return;
      }
      delay = nextDelay(delay, false, schedule);
      wait(kicked ? 0 : delay);
      return;
    }
    inFlight = false;
    if (stopped) return;
    const print = fingerprint(view);
    const changed = print !== last;
    last = print;
    onUpdate(view, changed);
    if (stopped) return; // onUpdate may stop the loop
    if (isFinal(view)) {
      finish();
      onFinal(view);
      return;
    }
    delay = isResting(view) ? restingDelay(schedule) : nextDelay(delay, changed, schedule);
    wait(kicked ? 0 : delay);
  }

  return {
    /** Start polling (the first poll after `schedule.first`); `known` is a view the caller already has. */
    start(known) {
      if (!stopped) return;
      if (known !== undefined) {
        last = fingerprint(known);
        if (isFinal(known)) return;
      }
      stopped = false;
      delay = known !== undefined && isResting(known) ? restingDelay(schedule) : schedule.first;
      wait(delay);
    },
    /** Poll as soon as possible (now, or right after the request in flight) and reset the back-off. */
    kick() {
      if (stopped) return;
      delay = schedule.min;
      if (inFlight) kicked = true;
      else wait(0);
    },
    /** Stop for good: no timer left, the request in flight is aborted and its answer ignored. */
    stop() {
      finish();
      if (controller) controller.abort();
      controller = null;
    },
    get running() {
      return !stopped;
    },
    get inFlight() {
      return inFlight;
    },
    get delay() {
      return delay;
    },
  };
}
