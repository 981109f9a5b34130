export const id = 468;
export const ids = [468];
export const modules = {

/***/ 8468:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createEcrClient: () => (/* binding */ createEcrClient),
/* harmony export */   ecrLogin: () => (/* binding */ ecrLogin),
/* harmony export */   ecrPublicLogin: () => (/* binding */ ecrPublicLogin),
/* harmony export */   ecrTagDigest: () => (/* binding */ ecrTagDigest),
/* harmony export */   ensureEcrRepository: () => (/* binding */ ensureEcrRepository)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(149);
/* harmony import */ var _aws_sdk_client_ecr_public__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6681);
/* harmony import */ var _action_action_error_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2935);



/** ECR Public's API lives in us-east-1 only, whatever the region of the job. */
const ECR_PUBLIC_REGION = 'us-east-1';
/** A client of the ECR API of the registry's region, FIPS and dual-stack when its host is. */
function createEcrClient(registry) {
    return new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_1__/* .ECRClient */ .S70({
        region: registry.region,
        // Left undefined unless the host asks for them, so that AWS_USE_FIPS_ENDPOINT
        // and AWS_USE_DUALSTACK_ENDPOINT still have their say.
        useFipsEndpoint: registry.fips === true ? true : undefined,
        useDualstackEndpoint: registry.dualstack === true ? true : undefined,
    });
}
/** Docker credentials for the private registry of `accountId` (ecr:GetAuthorizationToken). */
async function ecrLogin(client, accountId) {
    const action = 'ecr:GetAuthorizationToken';
    const response = await call(action, () => client.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_1__/* .GetAuthorizationTokenCommand */ .Eu6({ registryIds: [accountId] })));
    const data = response.authorizationData?.[0];
    if (!data?.authorizationToken)
        throw new Error(`Amazon ECR returned no authorization token for account ${accountId}.`);
    const credentials = decodeToken(data.authorizationToken, data.expiresAt);
    const host = data.proxyEndpoint?.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    if (host)
        credentials.host = host;
    return credentials;
}
/** Docker credentials for public.ecr.aws (ecr-public:GetAuthorizationToken, sts:GetServiceBearerToken). */
async function ecrPublicLogin() {
    const client = new _aws_sdk_client_ecr_public__WEBPACK_IMPORTED_MODULE_2__/* .ECRPUBLICClient */ .Rr({ region: ECR_PUBLIC_REGION });
    try {
        const action = 'ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken';
        const response = await call(action, () => client.send(new _aws_sdk_client_ecr_public__WEBPACK_IMPORTED_MODULE_2__/* .GetAuthorizationTokenCommand */ .Eu({})));
        const data = response.authorizationData;
        if (!data?.authorizationToken)
            throw new Error('Amazon ECR Public returned no authorization token.');
        return decodeToken(data.authorizationToken, data.expiresAt);
    }
    finally {
        client.destroy();
    }
}
/**
 * Makes sure the repository exists: `exists` when it did (or another job
 * created it meanwhile), `created` when this call created it with the options.
 * A missing repository that may not be created is an ActionError.
 */
async function ensureEcrRepository(client, repositoryName, options) {
    const { registryId } = options;
    try {
        await call('ecr:DescribeRepositories', () => client.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_1__/* .DescribeRepositoriesCommand */ .pE_({ registryId, repositoryNames: [repositoryName] })));
        return 'exists';
    }
    catch (error) {
        if (!hasName(error, 'RepositoryNotFoundException'))
            throw error;
    }
    if (!options.create) {
        throw new _action_action_error_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .l(`The ECR repository '${repositoryName}' does not exist${registryId ? ` in account ${registryId}` : ''}: ` +
            "create it beforehand (e.g. with Terraform), or set 'ecr-create-repository: true' to let this step create it.", 'ecr-repository-missing');
    }
    try {
        await call('ecr:CreateRepository', () => client.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_1__/* .CreateRepositoryCommand */ .WTe({
            registryId,
            repositoryName,
            imageScanningConfiguration: { scanOnPush: options.scanOnPush },
            imageTagMutability: options.tagImmutability,
        })));
        return 'created';
    }
    catch (error) {
        if (hasName(error, 'RepositoryAlreadyExistsException'))
            return 'exists';
        throw error;
    }
}
/**
 * Whether the repository holds an image with this tag (ecr:DescribeImages).
 * A repository that does not exist holds none.
 */
/** The digest of the image `tag` names in the repository; undefined when there is no such tag (or repository). */
async function ecrTagDigest(client, repositoryName, tag, registryId) {
    try {
        const response = await call('ecr:DescribeImages', () => client.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_1__/* .DescribeImagesCommand */ .ji5({ registryId, repositoryName, imageIds: [{ imageTag: tag }] })));
        return (response.imageDetails ?? []).find((image) => image.imageTags?.includes(tag))?.imageDigest;
    }
    catch (error) {
        if (hasName(error, 'ImageNotFoundException') || hasName(error, 'RepositoryNotFoundException'))
            return undefined;
        throw error;
    }
}
/** The token is base64 of `user:password`; its content never goes into an error. */
function decodeToken(token, expiresAt) {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0 || colon === decoded.length - 1) {
        throw new Error("The authorization token from Amazon ECR is not base64 of 'user:password'.");
    }
    const credentials = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    if (expiresAt)
        credentials.expiresAt = expiresAt;
    return credentials;
}
const INVALID_CREDENTIALS = new Set([
    'UnrecognizedClientException',
    'InvalidSignatureException',
    'InvalidClientTokenId',
    'SignatureDoesNotMatch',
    'ExpiredTokenException',
    'ExpiredToken',
]);
/** Runs one API call, turning the failures a user fixes (credentials, permissions) into ActionErrors. */
async function call(action, send) {
    try {
        return await send();
    }
    catch (error) {
        // By name: the SDK's own advice, and CredentialsProviderError's class is in
        // @smithy/core, which is not ours to import.
        if (hasName(error, 'CredentialsProviderError')) {
            throw new _action_action_error_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .l(`No AWS credentials were found to call ${action}: configure them in an earlier step, ` +
                'e.g. with aws-actions/configure-aws-credentials (OIDC: role-to-assume, and permissions id-token: write).', 'aws-credentials-missing', { cause: error });
        }
        if (hasName(error, 'AccessDeniedException') || hasName(error, 'AccessDenied')) {
            throw new _action_action_error_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .l(`AWS denied ${action}: ${messageOf(error)} Allow ${action} to the IAM role or user this step runs as.`, 'aws-access-denied', { cause: error });
        }
        if (INVALID_CREDENTIALS.has(nameOf(error))) {
            throw new _action_action_error_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .l(`AWS rejected the credentials used to call ${action}: ${messageOf(error)} ` +
                'Check the credentials configured in an earlier step (key, secret, session token, expiry).', 'aws-credentials-invalid', { cause: error });
        }
        throw error;
    }
}
function nameOf(error) {
    return error instanceof Error ? error.name : '';
}
function hasName(error, name) {
    return nameOf(error) === name;
}
/** AWS's message, ending with a full stop. */
function messageOf(error) {
    const message = (error instanceof Error ? error.message : String(error)).trim();
    return /[.!?]$/.test(message) ? message : `${message}.`;
}


/***/ })

};
