// Who is signed in (GET /api/v1/user), asked once per token and shared by every page that needs it.
import { api, type UserJson } from "./api.js";
import { getToken } from "./auth.js";
import { useData } from "./use-data.js";

let asked: { token: string; answer: Promise<UserJson> } | undefined;

/** The signed-in user; the answer is kept while the token is the same. */
export function loadMe(): Promise<UserJson> {
  const token = getToken() ?? "";
  if (asked?.token !== token) {
    const answer = api<UserJson>("/user");
    asked = { token, answer };
    // A failed answer is not kept: the next page asks again.
    answer.catch(() => {
      if (asked?.answer === answer) asked = undefined;
    });
  }
  return asked.answer;
}

/** The signed-in user, undefined while loading (or when the server cannot say). */
export function useMe(): UserJson | undefined {
  return useData(loadMe, `me:${getToken() ?? ""}`).data;
}
