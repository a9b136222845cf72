// Runs the Lambda Task states of a definition through the AWS SDK Lambda
// client, so that they reach the endpoint in AWS_ENDPOINT_URL_LAMBDA, and
// records each attempt in the history the way AWS Step Functions does.

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { JSONPath } from 'jsonpath-plus';

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

// MAX_PAYLOAD_BYTES is the Step Functions limit on a state's input, output
// and Task result: 256 KiB of UTF-8.
export const MAX_PAYLOAD_BYTES = 256 * 1024;

// The library applies a 60 s default to Task states without TimeoutSeconds,
// but AWS applies none, so such states get the longest delay Node's
// setTimeout accepts (2^31-1 ms, about 24.8 days).
export const NO_TASK_TIMEOUT_SECONDS = 2147483;

// taskKind returns 'function' for a Lambda function ARN resource, 'invoke' for
// the lambda:invoke integration, and throws for anything else.
export function taskKind(stateName, resource) {
  if (resource === LAMBDA_INVOKE) {
    return 'invoke';
  }
  if (FUNCTION_ARN.test(resource)) {
    return 'function';
  }
  throw new Error(
    `Task state "${stateName}" uses resource "${resource}"; the local runner supports only Lambda function ARNs and ${LAMBDA_INVOKE}`,
  );
}

// TaskError is how a failed attempt reaches the interpreter: its name is the
// error that Retry and Catch match, and its message is the Cause.
class TaskError extends Error {
  constructor(name, cause) {
    super(cause);
    this.name = name;
  }
}

export class LambdaTasks {
  constructor(history, region) {
    this.history = history;
    this.region = region;
    // One attempt, so that failures reach Retry as on AWS. Endpoint,
    // region and credentials come from the AWS_* environment variables.
    this.client = new LambdaClient({ maxAttempts: 1 });
  }

  // handlerFor returns the local handler that replaces a Task state's resource.
  handlerFor(state, kind, timeoutSeconds, timeoutSecondsPath) {
    return (input) => this.attempt(state, kind, timeoutSeconds, timeoutSecondsPath, input);
  }

  async attempt(state, kind, timeoutSeconds, timeoutSecondsPath, input) {
    // An attempt ends once: with its result, or with TimedOut when the Task
    // timeout passes first.
    let ended = false;
    const end = (outcome, details) => {
      if (!ended) {
        ended = true;
        this.recordEnd(kind, outcome, details);
      }
    };
    // This timer is created before the interpreter's own Task timer, so with
    // the same delay it fires first and TimedOut is recorded before the
    // state fails.
    const timeoutMs = taskTimeoutMs(timeoutSeconds, timeoutSecondsPath, input);
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => end('TimedOut', { error: 'States.Timeout', cause: `Task timed out after ${timeoutMs / 1000} seconds` }), timeoutMs);
    // Let the event log consumer record TaskStateEntered first.
    await new Promise((resolve) => setImmediate(resolve));

    try {
      const request = kind === 'invoke' ? invokeRequest(input) : { FunctionName: state.Resource, Payload: JSON.stringify(input) };
      this.recordStart(kind, request, input, timeoutSeconds);
      return await this.invoke(kind, request, end);
    } finally {
      clearTimeout(timer);
    }
  }

  async invoke(kind, request, end) {
    let response;
    try {
      const payload = request.Payload === undefined ? undefined : new TextEncoder().encode(request.Payload);
      response = await this.client.send(new InvokeCommand({ ...request, Payload: payload }));
    } catch (err) {
      const status = err.$metadata?.httpStatusCode;
      const error = status ? `Lambda.${err.name}` : 'Lambda.SdkClientException';
      const cause = status
        ? `${err.message} (Service: AWSLambda; Status Code: ${status}; Error Code: ${err.name}; Request ID: ${err.$metadata?.requestId ?? ''})`
        : err.message;
      end('Failed', { error, cause });
      throw new TaskError(error, cause);
    }

    const payloadText = response.Payload ? new TextDecoder().decode(response.Payload) : '';
    if (response.FunctionError) {
      // As on AWS, the error is the function's errorType and the cause is
      // the whole error payload.
      const error = parseJSON(payloadText)?.errorType ?? 'Lambda.Unknown';
      end('Failed', { error, cause: payloadText });
      throw new TaskError(error, payloadText);
    }
    const size = Buffer.byteLength(payloadText, 'utf8');
    if (size > MAX_PAYLOAD_BYTES) {
      // NOTE: on AWS, States.ALL does not match States.DataLimitExceeded;
      // the interpreter matches it like any other error.
      const cause = `The Lambda function returned ${size} bytes; Step Functions accepts at most ${MAX_PAYLOAD_BYTES}.`;
      end('Failed', { error: 'States.DataLimitExceeded', cause });
      throw new TaskError('States.DataLimitExceeded', cause);
    }
    const result = kind === 'invoke' ? invokeOutput(response, payloadText) : parseJSON(payloadText);
    end('Succeeded', { output: JSON.stringify(result), outputDetails: { truncated: false } });
    return result;
  }

  recordStart(kind, request, input, timeoutSeconds) {
    if (kind === 'invoke') {
      this.history.record('TaskScheduled', 'taskScheduledEventDetails', {
        resourceType: 'lambda',
        resource: 'invoke',
        region: this.region,
        parameters: JSON.stringify(input),
        ...(timeoutSeconds !== undefined && { timeoutInSeconds: timeoutSeconds }),
      });
      this.history.record('TaskStarted', 'taskStartedEventDetails', { resourceType: 'lambda', resource: 'invoke' });
      return;
    }
    this.history.record('LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
      resource: request.FunctionName,
      input: JSON.stringify(input),
      inputDetails: { truncated: false },
      ...(timeoutSeconds !== undefined && { timeoutInSeconds: timeoutSeconds }),
    });
    this.history.record('LambdaFunctionStarted');
  }

  recordEnd(kind, outcome, details) {
    if (kind === 'invoke') {
      const type = `Task${outcome}`;
      this.history.record(type, detailsField(type), { resourceType: 'lambda', resource: 'invoke', ...details });
      return;
    }
    const type = `LambdaFunction${outcome}`;
    this.history.record(type, detailsField(type), details);
  }
}

function detailsField(type) {
  return type[0].toLowerCase() + type.slice(1) + 'EventDetails';
}

// taskTimeoutMs returns the Task timeout in milliseconds, or undefined when
// the state has none.
function taskTimeoutMs(timeoutSeconds, timeoutSecondsPath, input) {
  if (timeoutSeconds !== undefined) {
    return timeoutSeconds * 1000;
  }
  if (timeoutSecondsPath !== undefined && !timeoutSecondsPath.startsWith('$$')) {
    const seconds = JSONPath({ path: timeoutSecondsPath, json: input, wrap: false });
    if (Number.isInteger(seconds) && seconds > 0) {
      return seconds * 1000;
    }
  }
  return undefined;
}

// invokeRequest builds the Invoke request from the effective parameters of a
// lambda:invoke Task (FunctionName, Payload, Qualifier, InvocationType,
// ClientContext, LogType).
function invokeRequest(parameters) {
  if (typeof parameters?.FunctionName !== 'string') {
    throw new TaskError('States.Runtime', 'The lambda:invoke parameters have no FunctionName string');
  }
  const request = { FunctionName: parameters.FunctionName };
  if (parameters.Payload !== undefined) {
    request.Payload = JSON.stringify(parameters.Payload);
  }
  for (const field of ['Qualifier', 'InvocationType', 'ClientContext', 'LogType']) {
    if (parameters[field] !== undefined) {
      request[field] = parameters[field];
    }
  }
  return request;
}

// invokeOutput is the result of a lambda:invoke Task: the Invoke response
// with the payload parsed as JSON.
function invokeOutput(response, payloadText) {
  const requestId = response.$metadata?.requestId ?? '';
  return {
    ExecutedVersion: response.ExecutedVersion ?? '$LATEST',
    Payload: payloadText === '' ? '' : parseJSON(payloadText),
    SdkHttpMetadata: { HttpStatusCode: response.StatusCode },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: response.StatusCode,
  };
}

function parseJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
