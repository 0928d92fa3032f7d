// SPDX-License-Identifier: MIT
// Mandel.sol: the heavy program of the EVM benchmark (bench/evm.sh), in the spirit of
// snailtracer (a renderer that is all arithmetic, branches and memory): it renders a
// width x height Mandelbrot image in 32.32 signed fixed point, writes each pixel's
// escape count into a byte array and returns keccak256 of the image, so every pixel is
// checked by the result. Written for verity's benchmark; compiled by solc-js.
pragma solidity ^0.8.20;

contract Mandel {
    int256 private constant ONE = 1 << 32;

    function render(uint256 width, uint256 height, uint256 maxIter) external pure returns (bytes32) {
        bytes memory img = new bytes(width * height);
        for (uint256 py = 0; py < height; py++) {
            int256 ci = -ONE + int256((2 * uint256(ONE) * py) / height);
            for (uint256 px = 0; px < width; px++) {
                int256 cr = -2 * ONE + int256((3 * uint256(ONE) * px) / width);
                img[py * width + px] = bytes1(uint8(_escape(cr, ci, maxIter)));
            }
        }
        return keccak256(img);
    }

    function _escape(int256 cr, int256 ci, uint256 maxIter) private pure returns (uint256 n) {
        int256 zr = 0;
        int256 zi = 0;
        unchecked {
            for (n = 0; n < maxIter; n++) {
                int256 zr2 = (zr * zr) >> 32;
                int256 zi2 = (zi * zi) >> 32;
                if (zr2 + zi2 > 4 * ONE) break;
                zi = ((2 * zr * zi) >> 32) + ci;
                zr = zr2 - zi2 + cr;
            }
        }
    }
}
