// The WebSocket stream (/api/v1/ws): one connection, resumed with ?after=<last seq> after any
// drop so nothing is missed or seen twice; reconnects with a growing, jittered delay while the
// daemon is away; says what it is doing through `onStatus`.

import { token } from './api.js';

const DELAYS = [500, 1000, 2000, 4000, 8000, 15000];
// Heartbeats come every 15 s: three missed ones mean the connection is dead without a close.
const SILENCE_LIMIT = 45000;

/**
 * @param {object} handlers
 * @param {(seq: number, resumed: boolean) => void} handlers.onHello
 * @param {(message: object) => void} handlers.onMessage  transition, change and runtime messages
 * @param {(status: {status: string, retryAt?: number, message?: string}) => void} handlers.onStatus
 */
export function connectStream({ onHello, onMessage, onStatus }) {
  let socket = null;
  let lastSeq = null;
  let attempt = 0;
  let retryTimer = 0;
  let watchdog = 0;
  let refusal = null;
  let stopped = false;

  function url() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const params = new URLSearchParams();
    if (lastSeq !== null) params.set('after', String(lastSeq));
    const bearer = token();
    if (bearer) params.set('access_token', bearer);
    const query = params.toString();
    return `${scheme}://${location.host}/api/v1/ws${query ? `?${query}` : ''}`;
  }

  function open() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    refusal = null;
    onStatus({ status: attempt === 0 && lastSeq === null ? 'connecting' : 'reconnecting' });
    let current;
    try {
      current = new WebSocket(url());
    } catch (error) {
      scheduleRetry(String(error));
      return;
    }
    socket = current;
    const resumed = lastSeq !== null;
    current.onmessage = (event) => {
      if (current !== socket) return;
      armWatchdog();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (message.type) {
        case 'hello':
          attempt = 0;
          if (lastSeq === null) lastSeq = message.seq;
          onStatus({ status: 'live' });
          onHello(message.seq, resumed);
          break;
        case 'transition':
        case 'change':
          lastSeq = message.seq;
          onMessage(message);
          break;
        case 'runtime':
          onMessage(message);
          break;
        case 'error':
          refusal = message.error;
          break;
        default:
          // heartbeat, or a message type this page does not know yet.
          break;
      }
    };
    current.onclose = (event) => {
      if (current !== socket) return;
      socket = null;
      clearTimeout(watchdog);
      if (!stopped) closed(event);
    };
  }

  function closed(event) {
    const reason = refusal?.code ?? event.reason ?? '';
    if (reason.startsWith('unauthorized')) {
      onStatus({ status: 'unauthorized', message: refusal?.message ?? event.reason });
      return;
    }
    if (reason.startsWith('forbidden_origin')) {
      onStatus({ status: 'refused', message: refusal?.message ?? event.reason });
      return;
    }
    if (reason.startsWith('invalid_parameter')) {
      // Our seq was refused: start over from the end of the log (the page reloads its state).
      lastSeq = null;
      open();
      return;
    }
    if (event.code === 1008 && reason.startsWith('too slow')) {
      // The daemon dropped us for falling behind; our seq is exact, so resume at once.
      open();
      return;
    }
    scheduleRetry(event.reason || (event.code === 1006 ? 'the connection was lost' : `closed (${event.code})`));
  }

  function scheduleRetry(message) {
    const base = DELAYS[Math.min(attempt, DELAYS.length - 1)];
    attempt += 1;
    const delay = base * (0.8 + Math.random() * 0.4);
    const retryAt = Date.now() + delay;
    onStatus({ status: 'offline', retryAt, message });
    retryTimer = setTimeout(open, delay);
  }

  function armWatchdog() {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => socket?.close(4000, 'silent'), SILENCE_LIMIT);
  }

  addEventListener('online', () => {
    if (!socket) open();
  });

  open();

  return {
    /** Reconnects now instead of waiting out the delay (the "Retry now" button, a new token). */
    retryNow() {
      if (socket) return;
      attempt = 0;
      open();
    },
    get lastSeq() {
      return lastSeq;
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      socket?.close(1000, 'page closed');
    },
  };
}
