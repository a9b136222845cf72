// Runs one AWS Step Functions execution of a definition in
// aws-local-stepfunctions 3.0.0. The Go package shared/localaws starts it with
// this Node 22 and reads its output.
//
// Input on stdin, one JSON document:
//   {"definition": <ASL object or JSON string>, "input": <JSON value>,
//    "context": <Context Object fields: Execution.Id, Execution.Name, ...>,
//    "roleArn": "...", "region": "us-east-1"}
// Output on stdout, JSON Lines:
//   {"event": <HistoryEvent as GetExecutionHistory returns it>} for each event,
//   then {"result": {"status": "SUCCEEDED"|"FAILED"|"TIMED_OUT"|"ABORTED",
//                    "output": "<JSON>", "error": "...", "cause": "..."}},
//   or {"setupError": "..."} with exit status 1 when the definition cannot run.
// SIGTERM aborts the execution.
//
// Task states must call Lambda (a function ARN or arn:aws:states:::lambda:invoke);
// the Invoke requests go to AWS_ENDPOINT_URL_LAMBDA with the AWS_REGION,
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of the environment.

import { StateMachine } from 'aws-local-stepfunctions';
import { History } from './history.mjs';
import { LambdaTasks, MAX_PAYLOAD_BYTES, NO_TASK_TIMEOUT_SECONDS, taskKind } from './lambda-task.mjs';

function writeLine(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

// exitAfter writes the last line and exits once stdout has taken every
// queued line: writes to a pipe can still be pending, and process.exit would
// drop them.
function exitAfter(value, code) {
  process.stdout.write(JSON.stringify(value) + '\n', () => process.exit(code));
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// prepareTasks replaces every Task state's resource, including those inside
// Map and Parallel states, with a handler that invokes Lambda through the SDK.
function prepareTasks(definition, tasks, handlers) {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    if (state.Type === 'Task') {
      const kind = taskKind(name, state.Resource);
      if (handlers[name]) {
        throw new Error(`state name "${name}" is used twice; AWS requires state names to be unique in a state machine`);
      }
      handlers[name] = tasks.handlerFor(state, kind, state.TimeoutSeconds, state.TimeoutSecondsPath);
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        state.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
      }
    }
    if (state.Type === 'Map') {
      prepareTasks(state.ItemProcessor ?? state.Iterator ?? {}, tasks, handlers);
    }
    if (state.Type === 'Parallel') {
      for (const branch of state.Branches ?? []) {
        prepareTasks(branch, tasks, handlers);
      }
    }
  }
}

// oversizedCause returns the failure cause when a state's output exceeds the
// 256 KiB (UTF-8) limit of Step Functions, and '' otherwise.
function oversizedCause(state) {
  const size = Buffer.byteLength(JSON.stringify(state.output ?? null), 'utf8');
  if (size <= MAX_PAYLOAD_BYTES) {
    return '';
  }
  return `The state/task '${state.name}' returned a result with a size exceeding the maximum number of bytes service limit (${size} > ${MAX_PAYLOAD_BYTES}).`;
}

function resultOf(finalEvent) {
  switch (finalEvent?.type) {
    case 'ExecutionSucceeded':
      return { status: 'SUCCEEDED', output: JSON.stringify(finalEvent.output) };
    case 'ExecutionFailed':
      return {
        status: 'FAILED',
        error: finalEvent.Error,
        cause: typeof finalEvent.Cause === 'string' ? finalEvent.Cause : JSON.stringify(finalEvent.Cause),
      };
    case 'ExecutionTimeout':
      return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than the TimeoutSeconds of the state machine.' };
    case 'ExecutionAborted':
      return { status: 'ABORTED' };
    default:
      return { status: 'FAILED', error: 'States.Runtime', cause: 'the interpreter ended without a final execution event' };
  }
}

async function main() {
  let abortRequested = false;
  let abort = () => {
    abortRequested = true;
  };
  process.on('SIGTERM', () => abort());

  const request = JSON.parse(await readStdin());
  const definition = typeof request.definition === 'string' ? JSON.parse(request.definition) : request.definition;
  const history = new History((event) => writeLine({ event }));
  history.roleArn = request.roleArn;
  const tasks = new LambdaTasks(history, request.region);
  const handlers = {};
  let machine;
  try {
    prepareTasks(definition, tasks, handlers);
    machine = new StateMachine(definition);
  } catch (err) {
    exitAfter({ setupError: err.message }, 1);
    return;
  }

  const execution = machine.run(request.input ?? {}, {
    overrides: { taskResourceLocalHandlers: handlers },
    noThrowOnAbort: true,
    context: request.context,
  });
  abort = () => execution.abort();
  if (abortRequested) {
    execution.abort();
  }

  let finalEvent;
  for await (const event of execution.eventLogs) {
    history.consume(event);
    if (event.type.startsWith('Execution') && event.type !== 'ExecutionStarted' && !finalEvent) {
      finalEvent = event;
    }
    const oversized = event.type === 'StateExited' && oversizedCause(event.state);
    if (oversized && !finalEvent) {
      // AWS fails the execution when a state's output exceeds the payload
      // limit. The interpreter has no such check, so the runner records the
      // failure and aborts the interpreter; history ignores the abort.
      finalEvent = { type: 'ExecutionFailed', Error: 'States.DataLimitExceeded', Cause: oversized };
      history.consume(finalEvent);
      execution.abort();
    }
  }
  // The result settles with the final event; its rejection carries nothing
  // that the event lacks.
  await execution.result.catch(() => {});
  // Task attempts of an aborted execution may still be running, so the
  // process exits instead of waiting for them.
  exitAfter({ result: resultOf(finalEvent) }, 0);
}

main().catch((err) => {
  exitAfter({ setupError: err.stack ?? String(err) }, 1);
});
