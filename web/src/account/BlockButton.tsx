/** Block or unblock the person of a direct conversation, from its header. */
import { useMutation, useQuery } from "urql";
import { BlockedIdsQuery, BlockUserMutation, UnblockUserMutation } from "./operations";

export function BlockButton({ userId, name }: { userId: string; name: string }) {
  const [{ data }, refetch] = useQuery({ query: BlockedIdsQuery, requestPolicy: "cache-and-network" });
  const [{ fetching: blocking }, block] = useMutation(BlockUserMutation);
  const [{ fetching: unblocking }, unblock] = useMutation(UnblockUserMutation);
  const blocked = data?.me.blockedUsers.some((u) => u.id === userId) ?? false;

  async function toggle() {
    const result = blocked ? await unblock({ userId }) : await block({ userId });
    if (!result.error) refetch({ requestPolicy: "network-only" });
  }

  return (
    <button
      type="button"
      className="ghost block-toggle"
      onClick={() => void toggle()}
      disabled={!data || blocking || unblocking}
      aria-pressed={blocked}
      title={blocked ? `Unblock ${name}` : `Block ${name}: no presence or typing either way`}
    >
      {blocked ? "Unblock" : "Block"}
    </button>
  );
}
