import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';

/** How a caller stands to the wish a photo is attached to. */
export interface WishPhotoViewer {
  /** May see the wish, so its photos that passed the content check. */
  see: boolean;
  /** An office in scope: also sees photos still being checked or held. */
  moderate: boolean;
}

export type WishPhotoPolicy = (principal: Principal, wishId: number) => Promise<WishPhotoViewer>;

/**
 * Who may see a photo attached to a wish is whoever may see the wish: the wish module owns those
 * rules and registers them here at start-up (media cannot import the wish module, which imports
 * media to attach photos). Until a policy is registered nobody but the owner sees attached photos.
 */
@Injectable()
export class PhotoAccess {
  private policy: WishPhotoPolicy = async () => ({ see: false, moderate: false });

  registerWishPolicy(policy: WishPhotoPolicy): void {
    this.policy = policy;
  }

  viewerOfWish(principal: Principal, wishId: number): Promise<WishPhotoViewer> {
    return this.policy(principal, wishId);
  }
}
