function attrs(strings, numbers = []) {
    return [...strings.map((Name) => ({ Name, DataType: 'string' })), ...numbers.map((Name) => ({ Name, DataType: 'number' }))];
}
export const INSTANCE_INFORMATION = 'AWS:InstanceInformation';
export const COMPLIANCE_ITEM = 'AWS:ComplianceItem';
const definitions = [
    { typeName: 'AWS:Application', version: '1.1', displayName: 'Application',
        attributes: attrs(['Name', 'ApplicationType', 'Publisher', 'Version', 'Release', 'Epoch', 'InstalledTime', 'Architecture', 'URL', 'Summary', 'PackageId']) },
    { typeName: 'AWS:AWSComponent', version: '1.0', displayName: 'AWSComponent',
        attributes: attrs(['Name', 'ApplicationType', 'Publisher', 'Version', 'InstalledTime', 'Architecture', 'URL']) },
    { typeName: 'AWS:BillingInfo', version: '1.0', displayName: 'BillingInfo', attributes: attrs(['BillingProductId']) },
    { typeName: COMPLIANCE_ITEM, version: '1.0', displayName: 'ComplianceItem',
        attributes: attrs(['ComplianceType', 'ExecutionId', 'ExecutionType', 'ExecutionTime', 'Id', 'Title', 'Status', 'Severity', 'DocumentName',
            'DocumentVersion', 'PatchBaselineId', 'PatchGroup', 'PatchState', 'InstalledTime', 'Classification']),
        contextKeys: { required: ['ExecutionId', 'ExecutionType'], optional: ['ExecutionTime'] },
        subTypeAttribute: 'ComplianceType' },
    { typeName: 'AWS:File', version: '1.0', displayName: 'File',
        attributes: attrs(['Name', 'Description', 'FileVersion', 'InstalledDate', 'ModificationTime', 'LastAccessTime', 'ProductName', 'InstalledDir',
            'ProductLanguage', 'CompanyName', 'ProductVersion'], ['Size']) },
    { typeName: INSTANCE_INFORMATION, version: '1.0', displayName: 'InstanceInformation',
        attributes: attrs(['AgentType', 'AgentVersion', 'ComputerName', 'InstanceId', 'InstanceStatus', 'IpAddress', 'PlatformName', 'PlatformType',
            'PlatformVersion', 'ResourceType']),
        aggregatable: ['PlatformName', 'PlatformType', 'PlatformVersion'] },
    { typeName: 'AWS:InstanceDetailedInformation', version: '1.0', displayName: 'InstanceDetailedInformation',
        attributes: attrs(['CPUModel', 'CPUHyperThreadEnabled', 'OSServicePack'], ['CPUCores', 'CPUs', 'CPUSpeedMHz', 'CPUSockets']) },
    { typeName: 'AWS:Network', version: '1.0', displayName: 'Network',
        attributes: attrs(['Name', 'SubnetMask', 'Gateway', 'DHCPServer', 'DNSServer', 'MacAddress', 'IPV4', 'IPV6']) },
    { typeName: 'AWS:ResourceGroup', version: '1.0', displayName: 'ResourceGroup', attributes: attrs(['Name', 'Arn']) },
    { typeName: 'AWS:Service', version: '1.0', displayName: 'Service',
        attributes: attrs(['Name', 'DisplayName', 'ServiceType', 'Status', 'DependentServices', 'ServicesDependedOn', 'StartType']) },
    { typeName: 'AWS:Tag', version: '1.0', displayName: 'Tag', attributes: attrs(['Key', 'Value']) },
    { typeName: 'AWS:WindowsRegistry', version: '1.0', displayName: 'WindowsRegistry', attributes: attrs(['KeyPath', 'ValueName', 'ValueType', 'Value']) },
    { typeName: 'AWS:WindowsRole', version: '1.0', displayName: 'WindowsRole',
        attributes: attrs(['Name', 'DisplayName', 'Path', 'FeatureType', 'DependsOn', 'Description', 'Installed', 'InstalledState', 'SubFeatures',
            'Parent', 'ServerComponentDescriptor']) },
    { typeName: 'AWS:WindowsUpdate', version: '1.0', displayName: 'WindowsUpdate', attributes: attrs(['HotFixId', 'Description', 'InstalledTime', 'InstalledBy']) },
];
const byName = new Map(definitions.map((d) => [d.typeName, d]));
export function awsType(typeName) {
    return byName.get(typeName);
}
export function isCustomType(typeName) {
    return typeName.startsWith('Custom:');
}
//# sourceMappingURL=aws-types.js.map