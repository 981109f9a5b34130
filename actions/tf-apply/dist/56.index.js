export const id = 56;
export const ids = [56];
export const modules = {

/***/ 18056:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createOctokit: () => (/* binding */ createOctokit)
/* harmony export */ });
/* harmony import */ var _action_runner_commands_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(73839);
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(68803);
/* harmony import */ var _actions_github_lib_utils__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(43943);
/* harmony import */ var _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(54491);
/* harmony import */ var _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(22812);
/* harmony import */ var bottleneck__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(97007);
/* harmony import */ var bottleneck__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(bottleneck__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var _action_mask_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(34149);







// A primary limit resets within the hour; a job sitting idle that long is
// worse than a clear failure, so longer waits are not retried.
const MAX_RATE_LIMIT_WAIT_SECONDS = 300;
// The retry plugin's default list plus 429: the throttling plugin owns rate
// limits and waits as long as `retry-after` / `x-ratelimit-reset` say, where
// the retry plugin would back off blindly and then hand it over anyway.
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];
/** The one Octokit factory of the suite. */
function createOctokit(token, options = {}) {
    const retries = options.retries ?? 3;
    const warn = options.warn ?? ((message) => _action_runner_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .warning */ .$e(message));
    const onLimit = (kind) => (retryAfter, request, _, retryCount) => {
        const what = `GitHub API ${kind} on ${request.method} ${request.url}`;
        if (retryCount >= retries) {
            warn(`${what}; giving up, retry limit (${retries}) reached.`);
            return false;
        }
        if (retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS) {
            warn(`${what}; it lifts in ${retryAfter}s, too long to wait.`);
            return false;
        }
        warn(`${what}; retrying in ${retryAfter}s (retry ${retryCount + 1} of ${retries}).`);
        return true;
    };
    // The throttling plugin paces writes with process-wide limiters; groups
    // without a minimum interval replace them when pacing is off.
    const unpaced = options.paceWrites === false
        ? { write: new (bottleneck__WEBPACK_IMPORTED_MODULE_3___default().Group)({ maxConcurrent: 1 }), notifications: new (bottleneck__WEBPACK_IMPORTED_MODULE_3___default().Group)({ maxConcurrent: 1 }) }
        : {};
    const client = (0,_actions_github__WEBPACK_IMPORTED_MODULE_1__/* .getOctokit */ .Q)(token, {
        // GraphQL goes to `<baseUrl>/graphql` (`/api/graphql` on GHES), Octokit's own
        // derivation, which matches every GitHub product. GITHUB_GRAPHQL_URL is not
        // read: inherited from a real runner, it could point elsewhere than an
        // overridden GITHUB_API_URL (a test's fake).
        baseUrl: options.baseUrl || process.env.GITHUB_API_URL || 'https://api.github.com',
        // @actions/github's fetch goes through the runner's proxy settings; keep it, with a time limit.
        request: { fetch: withTimeout(_actions_github_lib_utils__WEBPACK_IMPORTED_MODULE_2__/* .defaults */ .NT.request?.fetch ?? fetch, options.requestTimeoutMs ?? 60_000) },
        log: {
            debug: (message) => _action_runner_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .debug */ .Yz(message),
            info: (message) => _action_runner_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(message),
            warn: (message) => warn(message),
            error: (message) => _action_runner_commands_js__WEBPACK_IMPORTED_MODULE_0__/* .error */ .z3(message),
        },
        retry: { retries, retryAfterBaseValue: options.retryAfterBaseValue ?? 1000, doNotRetry: DO_NOT_RETRY },
        throttle: {
            retryAfterBaseValue: options.retryAfterBaseValue ?? 1000,
            onRateLimit: onLimit('rate limit reached'),
            onSecondaryRateLimit: onLimit('secondary rate limit reached'),
            ...unpaced,
        },
    }, _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_5__/* .retry */ .L, _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_6__/* .throttling */ .A);
    // Every text the suite writes to GitHub (comment and issue bodies, titles)
    // goes through the one masking function, whatever code built it.
    client.hook.before('request', (request) => {
        for (const field of ['body', 'title']) {
            const value = request[field];
            if (typeof value === 'string')
                request[field] = (0,_action_mask_js__WEBPACK_IMPORTED_MODULE_4__/* .redact */ .E$)(value);
        }
    });
    return client;
}
// A hung connection would otherwise hold the job until its own timeout
// (6 hours by default). @octokit/request reports the timeout as a 500 without
// a response, which the retry plugin retries.
function withTimeout(fetchImpl, timeoutMs) {
    return (input, init) => {
        const timeout = AbortSignal.timeout(timeoutMs);
        return fetchImpl(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
    };
}


/***/ })

};
