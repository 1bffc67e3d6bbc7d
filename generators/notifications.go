package generators

import (
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/kms"
	"github.com/awslabs/goformation/v7/cloudformation/sns"
)

// The notifications topic's security: a topic policy that lets CloudWatch alarms of this
// account publish and refuses every publisher that does not use TLS, and encryption at rest
// with a customer-managed key whose policy lets CloudWatch alarms use it. The AWS managed SNS
// key cannot serve: its policy is fixed and does not admit CloudWatch, so alarms could no
// longer publish.

const (
	notificationsKeyID    = "NotificationsKey"
	notificationsPolicyID = "NotificationsTopicPolicy"
)

// TopicEncryption says how the created notifications topic is encrypted: "created" (a key of
// the stack), "named" (notifications.kmsKey) or "" (not encrypted).
func (e *env) topicEncryption() string {
	n := e.spec.Notifications
	switch {
	case !n.Encrypt:
		return ""
	case n.KMSKey != "":
		return "named"
	case e.spec.UsesAutoScalingNotifications():
		// Auto Scaling publishes through its service-linked role, which a key policy can only
		// name once the role exists — not on the first deploy into an account.
		return ""
	}
	return "created"
}

func (e *env) secureTopic(t *cloudformation.Template, topic *sns.Topic) {
	alarms := pseudoString("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*")
	fromAlarms := []condition{
		{"StringEquals", "aws:SourceAccount", "${AWS::AccountId}"},
		{"ArnLike", "aws:SourceArn", alarms},
	}
	switch e.topicEncryption() {
	case "named":
		topic.KmsMasterKeyId = ptr(e.spec.Notifications.KMSKey)
	case "created":
		key := policyDocument{Statements: []statement{
			{
				// The account administers the key through IAM, as with a key's default policy.
				Sid: "AccountAdministers", Principal: map[string]string{"AWS": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"},
				Actions: []string{"kms:*"}, Resources: []pseudoString{"*"},
			},
			{
				// What CloudWatch needs to publish alarm notifications to an encrypted topic
				// (SNS developer guide, key management, compatibility with AWS services).
				Sid: "CloudWatchAlarmsPublish", Principal: map[string]string{"Service": "cloudwatch.amazonaws.com"},
				Actions: []string{"kms:Decrypt", "kms:GenerateDataKey*"}, Resources: []pseudoString{"*"},
				Conditions: fromAlarms,
			},
		}}
		t.Resources[notificationsKeyID] = &kms.Key{
			Description:       ptr("Encrypts the notifications topic " + Name(e.spec, "alarms")),
			EnableKeyRotation: ptr(true),
			KeyPolicy:         key.render(func(p pseudoString) string { return p.cfn() }),
			Tags:              e.tags(nil),
		}
		topic.KmsMasterKeyId = ptr(Ref(notificationsKeyID))
	}
	topicArn := pseudoString("${" + notificationsTopic + "}")
	policy := policyDocument{Statements: []statement{
		{
			Sid: "CloudWatchAlarmsPublish", Principal: map[string]string{"Service": "cloudwatch.amazonaws.com"},
			Actions: []string{"sns:Publish"}, Resources: []pseudoString{topicArn}, Conditions: fromAlarms,
		},
		denyInsecureTransport("sns:Publish", topicArn),
	}}
	t.Resources[notificationsPolicyID] = &sns.TopicPolicy{
		Topics:         []string{Ref(notificationsTopic)},
		PolicyDocument: policy.render(func(p pseudoString) string { return p.cfn() }),
	}
}
