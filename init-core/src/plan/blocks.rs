//! The plan of a parameter initialised block by block ([`Init::blocks`], a
//! [`Blocked`]): its output axis split into `k` equal blocks, each planned as a parameter of the
//! block's shape, with the block's fans.

use super::fans::PlanFans;
use super::{Blocked, Plan};
use crate::error::{ErrorKind, InitError};
use crate::scheme::fans::Fans;
use crate::scheme::init::Init;

impl Init {
    /// The plan of a blocked parameter of `shape` (`len` elements): the axis, its
    /// divisibility, then each block's plan on the block's shape with the block's fans. The
    /// fans returned are this scheme's for one block.
    pub(crate) fn plan_blocked(
        &self,
        shape: &[usize],
        len: usize,
    ) -> Result<(Plan, Option<Fans>), InitError> {
        let k = self.blocks;
        let axis = self
            .layout
            .block_axis(shape.len())
            .map_err(|e| self.err(e))?;
        let dim = shape[axis];
        if !dim.is_multiple_of(k) {
            return Err(self.err(ErrorKind::BlocksMismatch {
                blocks: k,
                axis,
                len: dim,
            }));
        }
        let mut block_shape = shape.to_vec();
        block_shape[axis] = dim / k;
        let used = PlanFans::of(self, shape).per_block(k).both().ok();
        let mut plans = Vec::with_capacity(k);
        for b in 0..k {
            let init = self.block_init(b);
            let checked = init.validate()?;
            let fans = PlanFans::of(&init, shape).per_block(k);
            plans.push(if len == 0 {
                Plan::Empty
            } else {
                init.law(&block_shape, &checked, &fans)?
            });
        }
        if len == 0 {
            return Ok((Plan::Empty, used));
        }
        Ok((
            Plan::Blocks(Box::new(Blocked {
                axis,
                shape: shape.to_vec(),
                block_shape,
                plans,
            })),
            used,
        ))
    }
}
