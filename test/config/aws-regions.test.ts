import { describe, expect, it } from 'vitest';
import { loadConfig, suggestAwsRegion } from '../../src/config.js';
import { configErrorOf } from '../support/config.js';

describe('AWS_REGIONS', () => {
  it('rejects a region with a typo (eu-west1), naming the variable and suggesting the region meant', () => {
    expect(configErrorOf({ STEWARD_PROVIDERS: 'aws', AWS_REGIONS: 'us-east-1,eu-west1' }).problems).toEqual([expect.stringMatching(/^AWS_REGIONS: "eu-west1" is not an AWS region code; did you mean eu-west-1\?/)]);
  });

  it('rejects a word that is no region at all, with the form expected', () => {
    expect(() => loadConfig({ AWS_REGIONS: 'ireland' })).toThrow(/AWS_REGIONS: "ireland" is not an AWS region code \(expected a comma list such as us-east-1,eu-west-1\)/);
  });

  it('accepts real region codes, GovCloud and ISO partitions included', () => {
    expect(loadConfig({ AWS_REGIONS: 'us-east-1, eu-west-1,ap-southeast-4,us-gov-west-1,us-isob-east-1,il-central-1' }).aws.regions).toEqual([
      'us-east-1', 'eu-west-1', 'ap-southeast-4', 'us-gov-west-1', 'us-isob-east-1', 'il-central-1',
    ]);
    expect(loadConfig({}).aws.regions).toEqual([]);
  });

  it('suggests the region a typo most likely meant', () => {
    expect(suggestAwsRegion('eu-west1')).toBe('eu-west-1');
    expect(suggestAwsRegion('EU_WEST_1')).toBe('eu-west-1');
    expect(suggestAwsRegion('us-east-1')).toBeUndefined();
    expect(suggestAwsRegion('ireland')).toBeUndefined();
  });
});
