import { canHandleEvents, type User } from "./model.ts";
import { UserError, ErrorCodes } from "./errors.ts";

/** EVT-11: an event's owner must be an enabled user of the same account who may handle events. */
export function assertAssignableOwner(owner: User | null, accountId: string): User {
  if (!owner || owner.accountId !== accountId) throw new UserError("not_found", ErrorCodes.NOT_FOUND, "no such user in this account");
  if (!canHandleEvents(owner)) {
    throw new UserError("invalid", ErrorCodes.OWNER_NOT_PERMITTED, `${owner.username} cannot own events: ${owner.disabledAt ? "the user is disabled" : `the ${owner.role} role cannot handle events (analyst or admin can)`}`);
  }
  return owner;
}
