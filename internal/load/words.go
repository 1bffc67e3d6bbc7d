// Words for the schema's constraints: what a finding says a field wants, in place of CUE's
// notation (a regular expression, strings.MinRunes(10), a reference to #SubnetID, a struct
// pattern such as {[#Label]:#Service}). TestEveryPatternHasWords keeps every pattern of
// schema/spec.cue in the table, so that no raw regular expression reaches a user.

package load

import (
	"regexp"
	"strings"
)

// patternWords says, for each pattern of the schema (as CUE prints it: =~"…" or !~"…"), what a
// value must look like.
var patternWords = map[string]string{
	`!~"-$"`:                          "a value that does not end in a hyphen",
	`!~"^(?i:aws):"`:                  `a key that does not start with "aws:" (reserved by AWS)`,
	`=~"\\{name\\}"`:                  "a pattern that contains {name}",
	`=~"\\{env\\}"`:                   "a pattern that contains {env}",
	`!~"\\}\\{"`:                      "placeholders separated by a character, such as {env}-{name}",
	`=~"^([0-9]+(ns|us|ms|s|m|h))+$"`: `a duration such as "30s", "5m" or "1h30m"`,
	`=~"^([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2}$"`:                             `an IPv4 CIDR block such as "10.0.0.0/16"`,
	`=~"^([a-z]|\\{(system|env|name)\\})([a-z0-9-]|\\{(system|env|name)\\})*$"`: "lower-case letters, digits, hyphens and the placeholders {system}, {env} and {name}",
	`=~"^(ami-([0-9a-f]{8}|[0-9a-f]{17})|/[A-Za-z0-9_./-]+)$"`:                  `an AMI id ("ami-" and 8 or 17 hex digits) or an SSM parameter name starting with "/"`,
	`=~"^(cron|rate|at)\\(.+\\)$"`:                                              `a schedule: "cron(…)", "rate(…)" or "at(…)"`,
	`=~"^.+$"`:                                                                  "a non-empty value on one line",
	`=~"^.{1,255}$"`:                                                            "1 to 255 characters on one line",
	`=~"^/"`:                                                                    `an absolute path, starting with "/"`,
	`=~"^/dev/[a-z0-9]+$"`:                                                      `a device name such as "/dev/xvda"`,
	`=~"^ECS_[A-Z0-9_]+$"`:                                                      "an ECS agent variable: ECS_ followed by upper-case letters, digits and '_'",
	`=~"^ELBSecurityPolicy-"`:                                                   `an ELB security policy name starting with "ELBSecurityPolicy-"`,
	`=~"^PT([0-9]+H)?([0-9]+M)?([0-9]+S)?$"`:                                    `an ISO 8601 duration such as "PT5M" or "PT1H30M"`,
	`=~"^[ -~]{1,128}$"`:                                                        "1 to 128 printable ASCII characters",
	`=~"^[ -~]{1,255}$"`:                                                        "1 to 255 printable ASCII characters",
	`=~"^[.\\-_/#A-Za-z0-9]{1,512}$"`:                                           "1 to 512 letters, digits and . - _ / #",
	`=~"^[0-9,-]+$"`:                                                            `HTTP codes such as "200", "200,302" or "200-399"`,
	`=~"^([0-9]{1,2}(-[0-9]{1,2})?)(,[0-9]{1,2}(-[0-9]{1,2})?)*$"`: `gRPC codes from 0 to 99 such as "0", "0,12" or "0-99"`,
	`=~"^[A-Za-z0-9:-]{1,255}$"`:                                   "a CloudFormation export name: 1 to 255 letters, digits, ':' and '-'",
	`=~"^(/[A-Za-z0-9_.-]+)+$|^[A-Za-z0-9_.-]+$"`:                  `an SSM parameter name such as "/app/api-url" (letters, digits and . _ -, in levels after "/")`,
	`=~"^[0-9]{12}$"`:                                      "a 12-digit AWS account id",
	`=~"^[A-Za-z0-9*?.-]{1,128}$"`:                         "a host name of up to 128 letters, digits and . - * ?",
	`=~"^[A-Za-z0-9. _\\-:/()#,@\\[\\]+=&;{}!$*]{1,255}$"`: "1 to 255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
	`=~"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|instance-profile)/[A-Za-z0-9+=,.@_/-]{1,512}$"`: "an IAM role ARN (arn:aws:iam::<account>:role/<name>) or, where asked, an instance profile ARN",
	`=~"^[0-9a-fA-F.:]+/[0-9]{1,3}$"`:                                       "an IPv4 or IPv6 range in CIDR notation, such as \"10.0.0.0/8\"",
	"=~\"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,40}$\"":                              "an HTTP header name of at most 40 characters, such as \"X-Release\"",
	`=~"^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]+$"`: "an IAM managed policy ARN (arn:aws:iam::<account>:policy/<name>, or arn:aws:iam::aws:policy/<name> for an AWS-managed one)",
	`=~"^[A-Za-z0-9-]+$"`:                                                   "letters, digits and '-'",
	`=~"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$"`:                                "up to 255 letters, digits, '_', '.' and '-', starting with a letter or digit",
	`=~"^[A-Za-z0-9]+$"`:                                                    "letters and digits only",
	`=~"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"`:                                 "up to 255 letters, digits, '_' and '-', starting with a letter or digit",
	`=~"^[A-Za-z0-9_-]{1,255}$"`:                                            "1 to 255 letters, digits, '_' and '-'",
	`=~"^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$"`:                              `a user name or id, optionally with a group ("user" or "user:group")`,
	`=~"^[A-Za-z0-9_.\\[\\]-]+$"`:                                           `a spec path such as "services.web.assignPublicIp"`,
	`=~"^[A-Za-z]+(/[A-Za-z_+-]+)*$"`:                                       `an IANA time zone such as "Europe/Paris"`,
	`=~"^[A-Za-z_][A-Za-z0-9_]*$"`:                                          "letters, digits and '_', not starting with a digit",
	`=~"^[RS][0-9]{2}$"`:                                                    `a rule id such as "R12" or "S03"`,
	`=~"^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$"`:                                   "letters, digits, spaces and _.:/=+-@",
	`=~"^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]+$"`:                                   "at least one letter, digit, space or _.:/=+-@",
	`=~"^[^/].*[^/]$|^[^/]$"`:                                               `a prefix that neither starts nor ends with "/"`,
	`=~"^[^:*]{1,512}$"`:                                                    "1 to 512 characters other than ':' and '*'",
	`=~"^[^:].{0,254}$"`:                                                    "1 to 255 characters, not starting with ':'",
	`=~"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"`:                                    "an email address",
	`=~"^[^\\s]+$"`:                                                         "a value without spaces",
	`=~"^[^\n\r]*$"`:                                                        "a value on one line",
	`=~"^[a-z0-9-]+:[A-Za-z0-9*]+$"`:                                        `an IAM action such as "s3:GetObject"`,
	`=~"^[a-z0-9.-]{3,63}$"`:                                                "an S3 bucket name: 3 to 63 lower-case letters, digits, '.' and '-'",
	`=~"^[a-z][a-z0-9-]*\\.[a-z0-9-]+$"`:                                    `an EC2 instance type such as "t3.small"`,
	`=~"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"`:                                     "lower-case letters, digits and inner hyphens, starting with a letter",
	`=~"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"`:                         `an AWS region such as "ap-northeast-1"`,
	`=~"^\\S+$"`:                                                            "a value without spaces",
	`=~"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$"`:  "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
	`=~"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$"`:       "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
	`=~"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$"`: "a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)",
	`=~"^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}/.+\\.env$"`:                                         "the ARN of an S3 object ending in .env (arn:aws:s3:::<bucket>/<key>.env)",
	`=~"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$"`:                          "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
	`=~"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$"`:                          "an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)",
	`=~"^[A-Za-z0-9/_+=.@-]{1,512}$"`:                                                             "a Secrets Manager secret name (up to 512 letters, digits and /_+=.@-)",
	`=~"^[^:\\s$]+$"`:                                                                             "a JSON key without colons, spaces or $",
	`=~"^[^:\\s$]{1,256}$"`:                                                                       "a version stage (up to 256 characters without colons, spaces or $)",
	`=~"^[A-Za-z0-9-]{32,64}$"`:                                                                   "a secret version id (32 to 64 letters, digits and hyphens)",
	`=~"^snap-[0-9a-f]{8,17}$"`:                                                                   `an EBS snapshot id ("snap-" and hex digits)`,
	`=~"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$"`:                         "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
	`=~"^fs-[0-9a-f]{8,40}$"`:                                                                     `an EFS file system id ("fs-" and hex digits)`,
	`=~"^fsap-[0-9a-f]{8,40}$"`:                                                                   `an EFS access point id ("fsap-" and hex digits)`,
	`=~"^sg-([0-9a-f]{8}|[0-9a-f]{17})$"`:                                                         `a security group id ("sg-" and 8 or 17 hex digits)`,
	`=~"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$"`:                                                     `a subnet id ("subnet-" and 8 or 17 hex digits)`,
	`=~"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$"`:                                                        `a VPC id ("vpc-" and 8 or 17 hex digits)`,

	// Service-to-service traffic (Cloud Map namespaces, Service Connect, service discovery).
	`=~"^arn:aws[a-z-]*:servicediscovery:[a-z0-9-]+:[0-9]{12}:namespace/ns-[a-z0-9]{16}$"`: "a Cloud Map namespace ARN (arn:aws:servicediscovery:<region>:<account>:namespace/ns-<16 characters>)",
	`=~"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"`:     "a DNS domain name: labels of up to 63 lower-case letters, digits and inner hyphens, joined by '.'",
	`=~"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"`:                                             "a DNS label: up to 63 lower-case letters, digits and inner hyphens",
	`=~"^[a-z0-9_][a-z0-9_-]{0,63}$"`:                                                      "a port name: up to 64 lower-case letters, digits, '_' and '-', not starting with '-'",
	`=~"^[A-Za-z0-9]([A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$"`:                                   "up to 64 letters, digits, '_' and '-', starting and ending with a letter or digit",
	`=~"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"`:                                  "a DNS name: up to 253 letters, digits, '.' and '-', starting and ending with a letter or digit",
}

var (
	builtinCall = regexp.MustCompile(`^(strings|list)\.(MinRunes|MaxRunes|MinItems|MaxItems|UniqueItems)\(([0-9]*)\)$`)
	structType  = regexp.MustCompile(`^\{.*\}$`)
	listType    = regexp.MustCompile(`^\[.*\]$`)
)

// wantWords turns one constraint as CUE prints it into words; it leaves types (int, string,
// bool), bounds (>=0, <=10) and literals as they are.
func wantWords(w string) string {
	if words, ok := patternWords[w]; ok {
		return words
	}
	if m := builtinCall.FindStringSubmatch(w); m != nil {
		switch m[2] {
		case "MinRunes":
			return "at least " + m[3] + " characters"
		case "MaxRunes":
			return "at most " + m[3] + " characters"
		case "MinItems":
			return "at least " + m[3] + " entries"
		case "MaxItems":
			return "at most " + m[3] + " entries"
		case "UniqueItems":
			return "no duplicate entries"
		}
	}
	if strings.HasPrefix(w, "=~") || strings.HasPrefix(w, "!~") {
		return "a value of the form docs/spec.md describes" // never a raw pattern
	}
	switch {
	case structType.MatchString(w):
		return "a struct"
	case listType.MatchString(w):
		return "a list"
	case strings.HasPrefix(w, "#"):
		if words, ok := definitionWords[w]; ok {
			return words
		}
		return "a value of the form docs/spec.md describes"
	}
	return w
}

// definitionWords are the schema's named types, where CUE names them instead of their
// constraint.
var definitionWords = map[string]string{
	"#Label":           "lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters",
	"#SubnetID":        `a subnet id ("subnet-" and 8 or 17 hex digits)`,
	"#SecurityGroupID": `a security group id ("sg-" and 8 or 17 hex digits)`,
	"#TagKey":          "a tag key of up to 128 letters, digits, spaces and _.:/=+-@, not starting with aws:",
	"#TagValue":        "a tag value of up to 256 letters, digits, spaces and _.:/=+-@",
	"#Duration":        `a duration such as "30s", "5m" or "1h30m"`,
	"#ContainerName":   "up to 255 letters, digits, '_' and '-', starting with a letter or digit",
	"#VolumeName":      "up to 255 letters, digits, '_' and '-', starting with a letter or digit",
	"#RoleARN":         "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
	"#ELBName":         "letters, digits and '-'",
}
