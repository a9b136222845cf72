package infra

// templateFault is one change to template.yaml and what the check of its
// kind must report about it.
type templateFault struct {
	name  string
	edits []edit
	check string // key of checks
	want  string // part of a problem message
}

// Anchors for edits that must touch one function or role of several alike.
const (
	callbackMetadata = "      ContextPath: .\n      ProjectRootDirectory: .\n    Properties:\n      Description: Completes"
	callbackTable    = "                  - dynamodb:BatchWriteItem\n                Resource: !GetAtt Table.Arn\n"
	orchestratorEnv  = "        LogGroup: !Ref OrchestratorLogGroup\n      Environment:\n        Variables:\n"
)

var templateFaults = []templateFault{
	// functions
	{"missing code folder", []edit{{"CodeUri: functions/callback", "CodeUri: functions/missing"}},
		"functions", "does not exist"},
	{"code folder without main.go", []edit{{"CodeUri: functions/ondemand", "CodeUri: shared/store"}},
		"functions", "has no readable main.go"},
	{"wrong architecture", []edit{{"Architectures: [arm64]", "Architectures: [x86_64]"}},
		"functions", "Architectures is [x86_64]"},
	{"wrong runtime", []edit{{"Runtime: provided.al2023", "Runtime: provided.al2"}},
		"functions", "Runtime is provided.al2:"},
	{"wrong handler", []edit{{"Handler: bootstrap", "Handler: main"}},
		"functions", "Handler is main"},
	{"build method not makefile", []edit{{"      BuildMethod: makefile\n" + callbackMetadata, "      BuildMethod: go1.x\n" + callbackMetadata}},
		"functions", "Metadata.BuildMethod is go1.x"},
	{"makefile folder without Makefile", []edit{{callbackMetadata, "      ContextPath: infra\n      ProjectRootDirectory: .\n    Properties:\n      Description: Completes"}},
		"functions", "infra/Makefile not found"},
	{"project root without go.mod", []edit{{callbackMetadata, "      ContextPath: .\n      ProjectRootDirectory: functions\n    Properties:\n      Description: Completes"}},
		"functions", "has no go.mod"},

	// substitutions
	{"placeholder without substitution", []edit{{"        WorkerFunctionArn: !GetAtt WorkerFunction.Arn\n", ""}},
		"substitutions", "uses ${WorkerFunctionArn}"},
	{"substitution without placeholder", []edit{{"        WorkerFunctionArn: !GetAtt WorkerFunction.Arn\n", "        WorkerFunctionArn: !GetAtt WorkerFunction.Arn\n        UnusedFunctionArn: !GetAtt WorkerFunction.Arn\n"}},
		"substitutions", "entry UnusedFunctionArn is not used"},
	{"missing definition file", []edit{{"DefinitionUri: infra/statemachine.asl.json", "DefinitionUri: infra/missing.asl.json"}},
		"substitutions", "read definition"},

	// iam
	{"star on table actions", []edit{{callbackTable, "                  - dynamodb:BatchWriteItem\n                Resource: \"*\" # the table\n"}},
		"iam", "grants dynamodb:GetItem"},
	{"star without comment", []edit{{`Resource: "*" # ListSchedules has no resource type; the code passes the group name as a filter.`, `Resource: "*"`}},
		"iam", "has no comment"},
	{"literal ARN", []edit{{"Action: states:StartExecution\n                Resource: !Ref SyncStateMachine", "Action: states:StartExecution\n                Resource: arn:aws:states:us-east-1:123456789012:stateMachine:sync"}},
		"iam", "is a literal"},
	{"Ref that returns a name", []edit{{"Resource: !GetAtt CallbackLogGroup.Arn", "Resource: !Ref CallbackLogGroup"}},
		"iam", "returns the AWS::Logs::LogGroup's name"},
	{"parameter as resource", []edit{{"Resource: !Ref PageTokenKeySecret", "Resource: !Ref SecretPrefix"}},
		"iam", "is a parameter"},
	{"secret outside the prefix", []edit{{"secret:${SecretPrefix}/*\n              - Sid: StartFirstSync", "secret:*\n              - Sid: StartFirstSync"}},
		"iam", "outside the secret prefix"},
	{"wildcard action", []edit{{callbackTable, "                  - dynamodb:*\n                Resource: !GetAtt Table.Arn\n"}},
		"iam", `action "dynamodb:*"`},
	{"wildcard account", []edit{{"${AWS::AccountId}:schedule/${SyncScheduleGroup}/*", "*:schedule/${SyncScheduleGroup}/*"}},
		"iam", "wildcard region or account"},
	{"managed policy on a role", []edit{{"  CallbackRole:\n    Type: AWS::IAM::Role\n    Properties:\n", "  CallbackRole:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/AdministratorAccess\n"}},
		"iam", "ManagedPolicyArns attaches statements"},
	{"SAM policy template", []edit{{"      Role: !GetAtt CallbackRole.Arn\n", "      Policies:\n        - DynamoDBCrudPolicy:\n            TableName: !Ref Table\n"}},
		"iam", "SAM policy template DynamoDBCrudPolicy"},
	{"function without role", []edit{{"      Role: !GetAtt WorkerRole.Arn\n", ""}},
		"iam", "has neither Role nor Policies"},
	{"metrics on star without namespace", []edit{{"                Resource: !GetAtt WorkerLogGroup.Arn\n", "                Resource: !GetAtt WorkerLogGroup.Arn\n              - Effect: Allow\n                Action: cloudwatch:PutMetricData\n                Resource: \"*\" # metrics have no ARN\n"}},
		"iam", "needs a cloudwatch:namespace condition"},

	// route
	{"route path changed", []edit{{"Path: /application/oauthProcessCode/{uniqueIdentifier}", "Path: /application/oauthCallback/{uniqueIdentifier}"}},
		"route", "has Path /application/oauthCallback/{uniqueIdentifier}"},
	{"route method POST", []edit{{"Method: GET", "Method: POST"}},
		"route", "accepts GET only"},
	{"payload format 1.0", []edit{{`PayloadFormatVersion: "2.0"`, `PayloadFormatVersion: "1.0"`}},
		"route", "PayloadFormatVersion 1.0"},
	{"route on the implicit API", []edit{{"            ApiId: !Ref CallbackApi\n", ""}},
		"route", "must set ApiId"},
	{"callback URL output path", []edit{{"${TenantHostSuffix}/application/oauthProcessCode/{uniqueIdentifier}", "${TenantHostSuffix}/oauth/{uniqueIdentifier}"}},
		"route", "does not end in the callback path"},
	{"API without access logs", []edit{{"      AccessLogSettings:\n        DestinationArn:", "      AccessLogSettings:\n        Destination:"}},
		"route", "needs AccessLogSettings"},

	// table
	{"partition key renamed", []edit{{"        - AttributeName: PK\n          KeyType: HASH", "        - AttributeName: pk\n          KeyType: HASH"}},
		"table", "KeySchema is [pk HASH, SK RANGE]"},
	{"sort key is a number", []edit{{"        - AttributeName: SK\n          AttributeType: S", "        - AttributeName: SK\n          AttributeType: N"}},
		"table", "attribute SK has type N"},
	{"index renamed", []edit{{"IndexName: GSI1", "IndexName: GSI2"}},
		"table", "named GSI2"},
	{"index projects keys only", []edit{{"ProjectionType: ALL", "ProjectionType: KEYS_ONLY"}},
		"table", "must project ALL"},
	{"TTL on another attribute", []edit{{"AttributeName: expiresAt", "AttributeName: ttl"}},
		"table", "TimeToLiveSpecification must be enabled on expiresAt"},
	{"no point-in-time recovery", []edit{{"PointInTimeRecoveryEnabled: true", "PointInTimeRecoveryEnabled: false"}},
		"table", "PointInTimeRecoveryEnabled must be true"},
	{"provisioned billing", []edit{{"BillingMode: PAY_PER_REQUEST", "BillingMode: PROVISIONED"}},
		"table", "BillingMode must be PAY_PER_REQUEST"},
	{"table not protected", []edit{
		{"    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n", ""},
		{"DeletionProtectionEnabled: true", "DeletionProtectionEnabled: false"},
	}, "table", "DeletionPolicy: Retain"},

	// schema
	{"misspelt property", []edit{{"BillingMode: PAY_PER_REQUEST", "BillingMod: PAY_PER_REQUEST"}},
		"schema", `unknown field "BillingMod"`},
	{"unknown resource type", []edit{{"Type: AWS::SQS::Queue\n", "Type: AWS::SQS::Queeu\n"}},
		"schema", "is not a CloudFormation resource type"},

	// references
	{"Ref of a missing resource", []edit{{"LogGroup: !Ref CallbackLogGroup", "LogGroup: !Ref CallbackLogs"}},
		"references", "Ref CallbackLogs names no resource"},
	{"GetAtt of a missing resource", []edit{{"Value: !GetAtt AsyncFailureQueue.QueueName", "Value: !GetAtt FailureQueue.QueueName"}},
		"references", "FailureQueue.QueueName names no resource"},
	{"undefined condition", []edit{{"    Condition: HasAlarmEmail", "    Condition: HasEmail"}},
		"references", "condition HasEmail is not defined"},
	{"dependency cycle", []edit{{orchestratorEnv, orchestratorEnv + "          STATE_MACHINE_ARN: !Ref SyncStateMachine\n"}},
		"references", "OrchestratorFunction → SyncStateMachine"},
}
