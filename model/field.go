package model

import (
	"strings"
	"sync"
)

// FieldID names one flow-log field. Known fields have fixed ids in AWS table
// order; fields a format names but flowtail does not know get opaque ids
// from FieldOpaque0 on, so a custom format never fails for a newer field.
type FieldID uint8

// The known fields, in the order of the AWS field table.
const (
	FieldNone FieldID = iota
	// Version 2 (the default format).
	FieldVersion
	FieldAccountID
	FieldInterfaceID
	FieldSrcAddr
	FieldDstAddr
	FieldSrcPort
	FieldDstPort
	FieldProtocol
	FieldPackets
	FieldBytes
	FieldStart
	FieldEnd
	FieldAction
	FieldLogStatus
	// Version 3.
	FieldVPCID
	FieldSubnetID
	FieldInstanceID
	FieldTCPFlags
	FieldType
	FieldPktSrcAddr
	FieldPktDstAddr
	// Version 4.
	FieldRegion
	FieldAZID
	FieldSublocationType
	FieldSublocationID
	// Version 5.
	FieldPktSrcAWSService
	FieldPktDstAWSService
	FieldFlowDirection
	FieldTrafficPath
	// Version 7 (ECS).
	FieldECSClusterARN
	FieldECSClusterName
	FieldECSContainerInstanceARN
	FieldECSContainerInstanceID
	FieldECSContainerID
	FieldECSSecondContainerID
	FieldECSServiceName
	FieldECSTaskDefinitionARN
	FieldECSTaskARN
	FieldECSTaskID
	// Version 8.
	FieldRejectReason
	// Newer fields whose version AWS text does not pin down.
	FieldResourceID
	FieldEncryptionStatus

	fieldKnownEnd
)

// FieldOpaque0 is the first id handed to a field name flowtail does not know.
// MaxOpaque such names can be in use per process.
const (
	FieldOpaque0 FieldID = 64
	MaxOpaque            = 16
	fieldIDEnd           = FieldOpaque0 + MaxOpaque
)

// Kind says how a field's value is stored and compared.
type Kind uint8

const (
	KindString Kind = iota // interned text
	KindInt                // unsigned number
	KindAddr               // IPv4 or IPv6 address
	KindEnum               // action or log-status
)

type fieldInfo struct {
	name    string // the AWS spelling, as in ${name}
	camel   string // the spelling CloudWatch Logs Insights shows
	version uint8
	kind    Kind
}

var fieldTable = [fieldKnownEnd]fieldInfo{
	FieldVersion:                 {"version", "version", 2, KindInt},
	FieldAccountID:               {"account-id", "accountId", 2, KindString},
	FieldInterfaceID:             {"interface-id", "interfaceId", 2, KindString},
	FieldSrcAddr:                 {"srcaddr", "srcAddr", 2, KindAddr},
	FieldDstAddr:                 {"dstaddr", "dstAddr", 2, KindAddr},
	FieldSrcPort:                 {"srcport", "srcPort", 2, KindInt},
	FieldDstPort:                 {"dstport", "dstPort", 2, KindInt},
	FieldProtocol:                {"protocol", "protocol", 2, KindInt},
	FieldPackets:                 {"packets", "packets", 2, KindInt},
	FieldBytes:                   {"bytes", "bytes", 2, KindInt},
	FieldStart:                   {"start", "start", 2, KindInt},
	FieldEnd:                     {"end", "end", 2, KindInt},
	FieldAction:                  {"action", "action", 2, KindEnum},
	FieldLogStatus:               {"log-status", "logStatus", 2, KindEnum},
	FieldVPCID:                   {"vpc-id", "vpcId", 3, KindString},
	FieldSubnetID:                {"subnet-id", "subnetId", 3, KindString},
	FieldInstanceID:              {"instance-id", "instanceId", 3, KindString},
	FieldTCPFlags:                {"tcp-flags", "tcpFlags", 3, KindInt},
	FieldType:                    {"type", "type", 3, KindString},
	FieldPktSrcAddr:              {"pkt-srcaddr", "pktSrcAddr", 3, KindAddr},
	FieldPktDstAddr:              {"pkt-dstaddr", "pktDstAddr", 3, KindAddr},
	FieldRegion:                  {"region", "region", 4, KindString},
	FieldAZID:                    {"az-id", "azId", 4, KindString},
	FieldSublocationType:         {"sublocation-type", "sublocationType", 4, KindString},
	FieldSublocationID:           {"sublocation-id", "sublocationId", 4, KindString},
	FieldPktSrcAWSService:        {"pkt-src-aws-service", "pktSrcAwsService", 5, KindString},
	FieldPktDstAWSService:        {"pkt-dst-aws-service", "pktDstAwsService", 5, KindString},
	FieldFlowDirection:           {"flow-direction", "flowDirection", 5, KindString},
	FieldTrafficPath:             {"traffic-path", "trafficPath", 5, KindInt},
	FieldECSClusterARN:           {"ecs-cluster-arn", "ecsClusterArn", 7, KindString},
	FieldECSClusterName:          {"ecs-cluster-name", "ecsClusterName", 7, KindString},
	FieldECSContainerInstanceARN: {"ecs-container-instance-arn", "ecsContainerInstanceArn", 7, KindString},
	FieldECSContainerInstanceID:  {"ecs-container-instance-id", "ecsContainerInstanceId", 7, KindString},
	FieldECSContainerID:          {"ecs-container-id", "ecsContainerId", 7, KindString},
	FieldECSSecondContainerID:    {"ecs-second-container-id", "ecsSecondContainerId", 7, KindString},
	FieldECSServiceName:          {"ecs-service-name", "ecsServiceName", 7, KindString},
	FieldECSTaskDefinitionARN:    {"ecs-task-definition-arn", "ecsTaskDefinitionArn", 7, KindString},
	FieldECSTaskARN:              {"ecs-task-arn", "ecsTaskArn", 7, KindString},
	FieldECSTaskID:               {"ecs-task-id", "ecsTaskId", 7, KindString},
	FieldRejectReason:            {"reject-reason", "rejectReason", 8, KindString},
	FieldResourceID:              {"resource-id", "resourceId", 0, KindString},
	FieldEncryptionStatus:        {"encryption-status", "encryptionStatus", 0, KindInt},
}

// KnownFields lists every field flowtail knows, in AWS table order.
func KnownFields() []FieldID {
	out := make([]FieldID, 0, fieldKnownEnd-1)
	for id := FieldVersion; id < fieldKnownEnd; id++ {
		out = append(out, id)
	}
	return out
}

// opaque holds the names of unknown fields seen in formats, by opaque slot.
var opaque struct {
	sync.RWMutex
	names []string
	ids   map[string]FieldID
}

// Name is the AWS spelling of the field (the ${name} token).
func (id FieldID) Name() string {
	if id.Known() {
		return fieldTable[id].name
	}
	if id.Opaque() {
		opaque.RLock()
		defer opaque.RUnlock()
		if k := int(id - FieldOpaque0); k < len(opaque.names) {
			return opaque.names[k]
		}
	}
	return ""
}

// Camel is the spelling CloudWatch Logs Insights uses for discovered fields.
func (id FieldID) Camel() string {
	if id.Known() {
		return fieldTable[id].camel
	}
	return id.Name()
}

// Kind says how the field's values are stored.
func (id FieldID) Kind() Kind {
	if id.Known() {
		return fieldTable[id].kind
	}
	return KindString
}

// Version is the flow-log version that introduced the field (0 when unknown).
func (id FieldID) Version() int {
	if id.Known() {
		return int(fieldTable[id].version)
	}
	return 0
}

// Known reports whether the field is one of the documented ones.
func (id FieldID) Known() bool { return id > FieldNone && id < fieldKnownEnd }

// Opaque reports whether the field is an unknown name kept as text.
func (id FieldID) Opaque() bool { return id >= FieldOpaque0 && id < fieldIDEnd }

func (id FieldID) String() string { return id.Name() }

// foldName folds the spellings users type into one key: "dstPort",
// "dstport", "dst-port" and "dst_port" all become "dstport".
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

var fieldByFolded = func() map[string]FieldID {
	m := make(map[string]FieldID, 2*int(fieldKnownEnd))
	for id := FieldVersion; id < fieldKnownEnd; id++ {
		m[foldName(fieldTable[id].name)] = id
		m[foldName(fieldTable[id].camel)] = id
	}
	return m
}()

// LookupField finds a known or already registered opaque field by any of its
// spellings (AWS, camelCase, underscores as in Parquet), case-insensitively.
func LookupField(name string) (FieldID, bool) {
	if id, ok := fieldByFolded[foldName(name)]; ok {
		return id, true
	}
	opaque.RLock()
	defer opaque.RUnlock()
	id, ok := opaque.ids[foldName(name)]
	return id, ok
}

// fieldFor returns the id for a format token, registering unknown names as
// opaque fields. It fails only when too many unknown names are in use.
func fieldFor(name string) (FieldID, bool) {
	if id, ok := LookupField(name); ok {
		return id, true
	}
	opaque.Lock()
	defer opaque.Unlock()
	key := foldName(name)
	if id, ok := opaque.ids[key]; ok {
		return id, true
	}
	if len(opaque.names) >= MaxOpaque {
		return FieldNone, false
	}
	if opaque.ids == nil {
		opaque.ids = make(map[string]FieldID)
	}
	id := FieldOpaque0 + FieldID(len(opaque.names))
	opaque.names = append(opaque.names, name)
	opaque.ids[key] = id
	return id, true
}
