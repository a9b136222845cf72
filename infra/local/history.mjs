// Builds the execution history that AWS Step Functions (Standard) would record,
// from the event log of aws-local-stepfunctions 3.0.0 plus the Task attempts
// that lambda-task.mjs records.
//
// Mapping, checked against execution histories recorded on AWS in the
// localstack test snapshots (tests/aws/services/stepfunctions/v2):
//
//   library event                AWS history events
//   ExecutionStarted             ExecutionStarted
//   StateEntered (Map)           MapStateEntered, MapStateStarted
//   StateEntered (Parallel)      ParallelStateEntered, ParallelStateStarted
//   StateEntered (other T)       <T>StateEntered
//   each Task attempt            LambdaFunctionScheduled, LambdaFunctionStarted,
//                                LambdaFunction{Succeeded,Failed,TimedOut}
//                                for a function ARN resource, or TaskScheduled,
//                                TaskStarted, Task{Succeeded,Failed,TimedOut}
//                                for arn:aws:states:::lambda:invoke
//   StateExited (Map)            MapStateSucceeded, MapStateExited
//   StateExited (Parallel)       ParallelStateExited (AWS records no
//                                ParallelStateSucceeded)
//   StateExited (other T)        <T>StateExited, also after a caught error
//   StateFailed (Map, Parallel)  <T>StateFailed unless the state is retried;
//                                a retry records <T>StateStarted again
//   StateFailed, StateRetried,   nothing: the failed attempt is already
//   StateCaught (other states)   recorded, and a Fail state records only
//                                FailStateEntered
//   MapIteration{Started,        the same names
//   Succeeded,Failed}
//   ParallelBranch*              nothing
//   ExecutionSucceeded/Failed/   the same names; ExecutionTimeout becomes
//   Aborted/Timeout              ExecutionTimedOut
//
// NOTE: AWS also records MapIterationAborted and TaskStateAborted for work
// that is cancelled when a sibling iteration or branch fails. The library
// drops those aborts, so such failures count a few events less than AWS.

const STARTED_ON_ENTRY = { Map: 'MapStateStarted', Parallel: 'ParallelStateStarted' };

export class History {
  constructor(write) {
    this.write = write;
    this.nextId = 1;
    // Failed Map and Parallel states, by state key, until it is known whether
    // they are retried (no failure event) or not.
    this.pendingFailures = new Map();
    this.caught = new Set();
    // closed is set by the event that ends the execution. Task attempts of an
    // aborted execution can still finish afterwards, and AWS records nothing
    // after the end.
    this.closed = false;
  }

  // record appends one AWS history event and writes it out.
  record(type, detailsField, details) {
    if (this.closed) {
      return;
    }
    const id = this.nextId++;
    const event = { id, previousEventId: id - 1, timestamp: Date.now() / 1000, type };
    if (detailsField) {
      event[detailsField] = details;
    }
    this.write(event);
    if (type.startsWith('Execution') && type !== 'ExecutionStarted') {
      this.closed = true;
    }
  }

  // consume maps one library event to AWS history events.
  consume(event) {
    const state = event.state;
    const key = state ? `${state.name}#${event.index ?? ''}` : '';
    switch (event.type) {
      case 'ExecutionStarted':
        this.record('ExecutionStarted', 'executionStartedEventDetails', {
          input: JSON.stringify(event.input),
          inputDetails: { truncated: false },
          roleArn: this.roleArn,
        });
        break;
      case 'StateEntered':
        this.record(`${state.type}StateEntered`, 'stateEnteredEventDetails', {
          name: state.name,
          input: JSON.stringify(state.input),
          inputDetails: { truncated: false },
        });
        if (STARTED_ON_ENTRY[state.type]) {
          this.record(STARTED_ON_ENTRY[state.type]);
        }
        break;
      case 'StateExited':
        if (state.type === 'Map' && !this.caught.has(key)) {
          this.record('MapStateSucceeded');
        }
        this.caught.delete(key);
        this.record(`${state.type}StateExited`, 'stateExitedEventDetails', {
          name: state.name,
          output: JSON.stringify(state.output),
          outputDetails: { truncated: false },
        });
        break;
      case 'StateFailed':
        if (STARTED_ON_ENTRY[state.type]) {
          this.pendingFailures.set(key, state.type);
        }
        break;
      case 'StateRetried':
        if (this.pendingFailures.delete(key)) {
          this.record(STARTED_ON_ENTRY[state.type]);
        }
        break;
      case 'StateCaught':
        if (this.pendingFailures.delete(key)) {
          this.record(`${state.type}StateFailed`);
          this.caught.add(key);
        }
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        if (event.type === 'MapIterationFailed') {
          this.flushFailures();
        }
        const field = event.type[0].toLowerCase() + event.type.slice(1) + 'EventDetails';
        this.record(event.type, field, { name: event.parentState.name, index: event.index });
        break;
      }
      case 'ExecutionSucceeded':
        this.record('ExecutionSucceeded', 'executionSucceededEventDetails', {
          output: JSON.stringify(event.output),
          outputDetails: { truncated: false },
        });
        break;
      case 'ExecutionFailed':
        this.flushFailures();
        this.record('ExecutionFailed', 'executionFailedEventDetails', {
          error: event.Error,
          cause: typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause),
        });
        break;
      case 'ExecutionAborted':
        this.flushFailures();
        this.record('ExecutionAborted', 'executionAbortedEventDetails', {});
        break;
      case 'ExecutionTimeout':
        this.flushFailures();
        this.record('ExecutionTimedOut', 'executionTimedOutEventDetails', {});
        break;
      default:
        // ParallelBranch* events have no AWS counterpart.
        break;
    }
  }

  // flushFailures records the Map and Parallel failures that were not retried.
  flushFailures() {
    for (const type of this.pendingFailures.values()) {
      this.record(`${type}StateFailed`);
    }
    this.pendingFailures.clear();
  }
}
