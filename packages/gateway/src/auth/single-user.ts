import { NuboError } from '@nubo/core';

/** The refusal a user other than the admin gets from a Nubo whose workers are not isolated. */
export function singleUserError(reason: string): NuboError {
  return new NuboError(
    'NUBO_ERR_AUTH_SINGLE_USER',
    `This Nubo cannot isolate functions from each other (${reason}), so only its admin may use it. Install bubblewrap and slirp4netns (scripts/install-isolation.sh) or use NUBO_SANDBOX=docker, then restart it.`,
  );
}
