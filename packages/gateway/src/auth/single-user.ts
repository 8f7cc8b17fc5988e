import { NuboError, type User } from '@nubo/core';

/** Whether a Nubo that cannot isolate (it has a reason) turns this user away: everyone but its admin. */
export function singleUserBars(reason: string | null, user: User): reason is string {
  return reason !== null && !user.isAdmin;
}

/** The refusal a user other than the admin gets from a Nubo whose workers are not isolated. */
export function singleUserError(reason: string): NuboError {
  return new NuboError(
    'NUBO_ERR_AUTH_SINGLE_USER',
    `This Nubo cannot isolate functions from each other (${reason}), so only its admin may use it. Install bubblewrap and slirp4netns (scripts/install-isolation.sh) or use NUBO_SANDBOX=docker, then restart it.`,
  );
}
